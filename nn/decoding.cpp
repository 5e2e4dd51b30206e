// Decoder caches; see decoding.h.
#include "nn/decoding.h"

#include <cstring>

#include "autograd/check.h"

namespace mt::nn {

Tensor take_rows(const Tensor& x, const std::vector<int64_t>& rows) {
  const Tensor c = x.detach().contiguous();
  Shape shape = x.shape();
  const int64_t row = c.numel() / std::max<int64_t>(shape[0], 1);
  shape[0] = static_cast<int64_t>(rows.size());
  Tensor out(shape);
  for (size_t i = 0; i < rows.size(); ++i) {
    MT_CHECK(rows[i] >= 0 && rows[i] < x.size(0), "take_rows: row ", rows[i], " out of range for ", x.shape());
    std::memcpy(out.data() + i * row, c.data() + rows[i] * row, row * sizeof(float));
  }
  return out;
}

IntTensor take_rows(const IntTensor& x, const std::vector<int64_t>& rows) {
  const int64_t row = x.numel() / std::max<int64_t>(x.shape[0], 1);
  Shape shape = x.shape;
  shape[0] = static_cast<int64_t>(rows.size());
  std::vector<int32_t> values;
  for (int64_t r : rows) values.insert(values.end(), x.values.begin() + r * row, x.values.begin() + (r + 1) * row);
  return IntTensor(values, shape);
}

void DecoderCache::select_rows(const std::vector<int64_t>& rows) {
  for (LayerCache& layer : layers) {
    for (Tensor* t : {&layer.self_kv, &layer.cross_kv}) *t = take_rows(*t, rows);
  }
  src_padding = take_rows(src_padding, rows);
}

}  // namespace mt::nn
