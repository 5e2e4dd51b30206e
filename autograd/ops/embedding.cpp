// embedding: gathers rows of weight [V, D] by id; backward scatter-adds dy rows into dW.
// The padding id's row gets no gradient, so the pad vector stays as initialized.
// Read next: rows.cpp.
#include <cstring>

#include "autograd/check.h"
#include "autograd/parallel.h"
#include "autograd/node.h"
#include "autograd/ops.h"
#include "autograd/profiler.h"

namespace mt {
namespace {
// Columns of dW per backward task: tasks own disjoint columns, so the scatter needs no lock.
constexpr int64_t kEmbeddingColumnBlock = 64;
}  // namespace

Tensor embedding(const Tensor& weight, const IntTensor& ids, int64_t padding_idx) {
  MT_PROFILE("embedding");
  MT_CHECK(weight.dim() == 2, "embedding: weight must be [V, D], got ", weight.shape());
  const int64_t vocab = weight.size(0), width = weight.size(1);
  for (int64_t i = 0; i < ids.numel(); ++i) {
    MT_CHECK(ids.values[i] >= 0 && ids.values[i] < vocab, "embedding: id ", ids.values[i], " at position ", i,
             " is out of range for a vocabulary of ", vocab);
  }
  const Tensor w = contiguous(weight.detach());
  Shape shape = ids.shape;
  shape.push_back(width);
  Tensor out(shape);
  const float* src = w.data();
  float* dst = out.data();
  parallel_for(ids.numel(), row_grain(width), [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      std::memcpy(dst + i * width, src + ids.values[i] * width, width * sizeof(float));
    }
  });
  // dW[id] += dy[i] for every position i whose id is not the padding id
  return record("embedding", out, {weight}, [ids, vocab, width, padding_idx](const Tensor& dy) {
    Tensor dw = zeros({vocab, width});
    const float* g = dy.data();
    float* p = dw.data();
    const int64_t blocks = (width + kEmbeddingColumnBlock - 1) / kEmbeddingColumnBlock;
    parallel_for(blocks, std::max<int64_t>(1, kElementGrain / std::max<int64_t>(1, ids.numel())),
                 [&](int64_t begin, int64_t end) {
                   const int64_t c0 = begin * kEmbeddingColumnBlock;
                   const int64_t c1 = std::min(width, end * kEmbeddingColumnBlock);
                   for (int64_t i = 0; i < ids.numel(); ++i) {
                     if (ids.values[i] == padding_idx) continue;
                     float* row = p + ids.values[i] * width;
                     const float* grow = g + i * width;
                     for (int64_t c = c0; c < c1; ++c) row[c] += grow[c];
                   }
                 });
    return std::vector<Tensor>{dw};
  });
}

}  // namespace mt
