// Decoder caches; see decoding.h.
#include "nn/decoding.h"

#include <algorithm>
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

void DecoderCache::make_room() {
  MT_CHECK(length < capacity, "decoding: the cache holds ", capacity, " positions");
  if (length < allocated) return;
  const int64_t positions = std::min(capacity, std::max<int64_t>(2 * allocated, 1));
  for (LayerCache& layer : layers) {
    const int64_t n = layer.self_kv.size(0), width = layer.self_kv.size(2);
    Tensor grown = zeros({n, positions, width});
    const float* old = layer.self_kv.data();
    for (int64_t r = 0; r < n; ++r) {
      std::memcpy(grown.data() + r * positions * width, old + r * allocated * width, length * width * sizeof(float));
    }
    layer.self_kv = grown;
  }
  allocated = positions;
}

}  // namespace mt::nn
