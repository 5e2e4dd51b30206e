// Sequence layouts; see sequence_layout.h.
#include "nn/sequence_layout.h"

#include <numeric>

#include "autograd/check.h"
#include "autograd/ops.h"

namespace mt::nn {
namespace {

// The layout's padding; its rows are the caller's to choose.
SequenceLayout with_padding(const IntTensor& ids, int32_t pad_id) {
  MT_CHECK(ids.shape.size() == 2, "SequenceLayout: ids ", ids.shape, " are not [B, L]");
  SequenceLayout layout{.batch = ids.shape[0], .length = ids.shape[1],
                        .padding = IntTensor(std::vector<int32_t>(ids.numel()), ids.shape), .rows = {}};
  for (int64_t i = 0; i < ids.numel(); ++i) layout.padding.values[i] = ids.values[i] == pad_id ? 1 : 0;
  return layout;
}

IntTensor all_rows(int64_t n) {
  std::vector<int32_t> rows(n);
  std::iota(rows.begin(), rows.end(), 0);
  return IntTensor(std::move(rows), {n});
}

}  // namespace

SequenceLayout SequenceLayout::packed(const IntTensor& ids, int32_t pad_id) {
  SequenceLayout layout = with_padding(ids, pad_id);
  std::vector<int32_t> rows;
  for (int64_t i = 0; i < ids.numel(); ++i) {
    if (layout.padding.values[i] == 0) rows.push_back(static_cast<int32_t>(i));
  }
  const auto n = static_cast<int64_t>(rows.size());
  layout.rows = n > 0 ? IntTensor(std::move(rows), {n}) : all_rows(ids.numel());
  return layout;
}

SequenceLayout SequenceLayout::padded(const IntTensor& ids, int32_t pad_id) {
  SequenceLayout layout = with_padding(ids, pad_id);
  layout.rows = all_rows(ids.numel());
  return layout;
}

SequenceLayout SequenceLayout::single(int64_t n) {
  return {.batch = n, .length = 1, .padding = IntTensor(std::vector<int32_t>(n, 0), {n, 1}), .rows = all_rows(n)};
}

Tensor to_blocks(const Tensor& x, const SequenceLayout& layout) {
  MT_CHECK(x.dim() == 2 && x.size(0) == layout.size(), "to_blocks: x ", x.shape(), " is not [N, C] for the ",
           layout.size(), " rows of a [", layout.batch, ", ", layout.length, "] layout");
  const Tensor blocks = layout.every_position() ? x : scatter_rows(x, layout.rows, layout.batch * layout.length);
  return reshape(blocks, {layout.batch, layout.length, x.size(1)});
}

Tensor to_rows(const Tensor& x, const SequenceLayout& layout) {
  MT_CHECK(x.dim() == 3 && x.size(0) == layout.batch && x.size(1) == layout.length, "to_rows: x ", x.shape(),
           " is not [B, L, C] for a [", layout.batch, ", ", layout.length, "] layout");
  const Tensor flat = reshape(x, {-1, x.size(2)});  // [B·L, C]
  return layout.every_position() ? flat : gather_rows(flat, layout.rows);
}

}  // namespace mt::nn
