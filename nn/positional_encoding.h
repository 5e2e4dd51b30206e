// Positions added to the scaled embeddings: the sinusoidal table of "Attention Is All You
// Need" (a recomputable buffer, not saved), or a learned table (a parameter) as an option.
//   pe[p, 2i] = sin(p / 10000^(2i/D)),  pe[p, 2i+1] = cos(p / 10000^(2i/D))
// Read next: multi_head_attention.h.
#pragma once

#include "nn/module.h"

namespace mt::nn {

class PositionalEncoding : public Module {
 public:
  PositionalEncoding(int64_t dim, int64_t max_len, bool learned = false);
  /// x: [B, T, D] -> x + pe[offset : offset + T] (offset > 0 when decoding step by step)
  Tensor forward(const Tensor& x, int64_t offset = 0) const;

  const int64_t dim, max_len;
  const bool learned;
  Tensor table;  // [max_len, D]: the buffer "pe", or the parameter "weight" when learned

 protected:
  std::string type_name() const override { return "PositionalEncoding"; }
  std::string extra_repr() const override;
};

/// The sinusoidal table [max_len, dim], computed in float32 as the PyTorch reference does.
Tensor sinusoidal_table(int64_t max_len, int64_t dim);

}  // namespace mt::nn
