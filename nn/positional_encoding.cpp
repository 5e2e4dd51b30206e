// PositionalEncoding; see positional_encoding.h.
#include "nn/positional_encoding.h"

#include <cmath>

#include "autograd/check.h"
#include "autograd/ops.h"

namespace mt::nn {

Tensor sinusoidal_table(int64_t max_len, int64_t dim) {
  Tensor pe = zeros({max_len, dim});
  // lesson 4 begin: sin and cos of each position at the frequencies 10000^(-2i/D)
  const float step = -std::log(10000.0f) / static_cast<float>(dim);
  for (int64_t i = 0; 2 * i < dim; ++i) {
    const float div = std::exp(static_cast<float>(2 * i) * step);
    for (int64_t p = 0; p < max_len; ++p) {
      const float angle = static_cast<float>(p) * div;
      pe.data()[p * dim + 2 * i] = std::sin(angle);
      if (2 * i + 1 < dim) pe.data()[p * dim + 2 * i + 1] = std::cos(angle);
    }
  }
  // lesson 4 end
  return pe;
}

PositionalEncoding::PositionalEncoding(int64_t d, int64_t len, bool is_learned)
    : dim(d), max_len(len), learned(is_learned) {
  MT_CHECK(d > 0 && len > 0, "PositionalEncoding: sizes must be positive, got ", len, " x ", d);
  table = learned ? register_parameter("weight", randn({len, d}))
                  : register_buffer("pe", sinusoidal_table(len, d), /*persistent=*/false);
}

Tensor PositionalEncoding::forward(const Tensor& x, int64_t offset) const {
  MT_CHECK(x.dim() == 3 && x.size(2) == dim, "PositionalEncoding: input ", x.shape(), " is not [B, T, ", dim, "]");
  MT_CHECK(offset >= 0 && offset + x.size(1) <= max_len, "PositionalEncoding: length ", offset + x.size(1),
           " exceeds max_len ", max_len);
  return x + slice(table, 0, offset, offset + x.size(1));  // [B, T, D] + [T, D]
}

std::string PositionalEncoding::extra_repr() const {
  return str(dim, ", max_len=", max_len, learned ? ", learned" : ", sinusoidal");
}

}  // namespace mt::nn
