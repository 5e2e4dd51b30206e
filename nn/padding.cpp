// Padding masks and packed batches; see padding.h.
#include "nn/padding.h"

#include "autograd/check.h"
#include "autograd/ops.h"

namespace mt::nn {

IntTensor padding_mask(const IntTensor& ids, int32_t pad_id) {
  IntTensor mask(std::vector<int32_t>(ids.numel()), ids.shape);
  for (int64_t i = 0; i < ids.numel(); ++i) mask.values[i] = ids.values[i] == pad_id ? 1 : 0;
  return mask;
}

IntTensor packed_rows(const IntTensor& padding) {
  std::vector<int32_t> rows;
  for (int64_t i = 0; i < padding.numel(); ++i) {
    if (padding.values[i] == 0) rows.push_back(static_cast<int32_t>(i));
  }
  const auto n = static_cast<int64_t>(rows.size());
  return IntTensor(std::move(rows), {n});
}

Tensor pack(const Tensor& x, const IntTensor& padding) {
  MT_CHECK(x.dim() == 3 && padding.shape == Shape({x.size(0), x.size(1)}), "pack: x ", x.shape(),
           " does not match the padding mask ", padding.shape);
  return gather_rows(reshape(x, {-1, x.size(2)}), packed_rows(padding));  // [N, D]
}

Tensor unpack(const Tensor& x, const IntTensor& padding) {
  MT_CHECK(padding.shape.size() == 2, "unpack: the padding mask ", padding.shape, " is not [B, L]");
  const IntTensor rows = packed_rows(padding);
  MT_CHECK(x.dim() == 2 && x.size(0) == rows.numel(), "unpack: x ", x.shape(), " is not [N, D] for the ",
           rows.numel(), " real positions of the padding mask ", padding.shape);
  return view(scatter_rows(x, rows, padding.numel()), {padding.shape[0], padding.shape[1], x.size(1)});
}

}  // namespace mt::nn
