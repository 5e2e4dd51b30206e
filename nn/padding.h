// Padding and packed batches. A batch of sentences is padded to [B, L] ids; its padding mask
// is 1 at the pad positions. The layers that act on each position alone (projections,
// feed-forward, norms, dropout) can skip the padding: a packed batch [N, D] holds only the N
// real positions, row-major, and attention lays it out as [B, L, ·] again to compare positions.
// Training runs packed (Transformer::forward_targets); results at real positions are the same.
// Read next: multi_head_attention.h.
#pragma once

#include "autograd/tensor.h"

namespace mt::nn {

/// [B, L] mask, 1 where ids == pad_id: the key-padding mask of a batch.
IntTensor padding_mask(const IntTensor& ids, int32_t pad_id);

/// The rows b·L + l of the real (mask 0) positions of padding [B, L], in order: [N].
IntTensor packed_rows(const IntTensor& padding);

/// x: [B, L, D] -> [N, D], the real positions of padding [B, L].
Tensor pack(const Tensor& x, const IntTensor& padding);

/// x: [N, D] packed against padding [B, L] -> [B, L, D], zeros at the padding.
Tensor unpack(const Tensor& x, const IntTensor& padding);

}  // namespace mt::nn
