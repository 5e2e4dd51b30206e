// Embedding; see embedding.h.
#include "nn/embedding.h"

#include <algorithm>

#include "autograd/check.h"
#include "autograd/ops.h"

namespace mt::nn {

Embedding::Embedding(int64_t n, int64_t d, int64_t pad) : num_embeddings(n), dim(d), padding_idx(pad) {
  MT_CHECK(n > 0 && d > 0, "Embedding: sizes must be positive, got ", n, " x ", d);
  MT_CHECK(pad >= -1 && pad < n, "Embedding: padding_idx ", pad, " is outside the table of ", n);
  // lesson 4 begin: the table N(0, 1) with a zero padding row, registered as weight
  Tensor table = randn({n, d});
  if (pad >= 0) std::fill(table.data() + pad * d, table.data() + (pad + 1) * d, 0.0f);
  weight = register_parameter("weight", table);
  // lesson 4 end
}

Tensor Embedding::forward(const IntTensor& ids) const {
  // lesson 4 begin: the lookup, with no gradient for the padding row
  return embedding(weight, ids, padding_idx);
  // lesson 4 end
}

std::string Embedding::extra_repr() const {
  return str(num_embeddings, ", ", dim, padding_idx >= 0 ? str(", padding_idx=", padding_idx) : "");
}

}  // namespace mt::nn
