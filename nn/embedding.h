// Embedding: a table of D-wide rows looked up by token id. The padding id's row starts at zero
// and never receives a gradient. Read next: positional_encoding.h.
#pragma once

#include "nn/module.h"

namespace mt::nn {

class Embedding : public Module {
 public:
  /// padding_idx = -1: no padding row.
  Embedding(int64_t num_embeddings, int64_t dim, int64_t padding_idx = -1);
  /// ids: [...] -> [..., D]
  Tensor forward(const IntTensor& ids) const;

  const int64_t num_embeddings, dim, padding_idx;
  Tensor weight;  // [V, D], N(0, 1) as torch.nn.Embedding

 protected:
  std::string type_name() const override { return "Embedding"; }
  std::string extra_repr() const override;
};

}  // namespace mt::nn
