// How a batch of sentences of different lengths is laid out. Token ids come padded to [B, L];
// the modules work on rows [N, D], one row per position they compute. A SequenceLayout says
// which positions those rows are, and which positions are padding (hidden as attention keys):
//   packed:  the real positions only (what training runs: padding is a quarter of a batch);
//   padded:  every position, as PyTorch computes them;
//   single:  N sequences of one position each (one step of incremental decoding).
// It is made once per side where the batch is made and passed down by const&. Layers that act
// on each position alone (projections, feed-forward, norms, dropout) never look at it; attention
// is the one place that lays rows out as [B, L, ·] again (to_blocks) and back (to_rows).
// Read next: multi_head_attention.h.
#pragma once

#include "autograd/tensor.h"

namespace mt::nn {

struct SequenceLayout {
  int64_t batch = 0, length = 0;  // B, L
  IntTensor padding;              // [B, L]: 1 at padding, the positions hidden as keys
  IntTensor rows;                 // [N]: the positions b·L + l that are rows, in order

  /// The real positions of ids [B, L] as rows; a batch without any keeps every position
  /// (no layer runs on zero rows).
  static SequenceLayout packed(const IntTensor& ids, int32_t pad_id);
  /// Every position of ids [B, L] as a row, N = B·L.
  static SequenceLayout padded(const IntTensor& ids, int32_t pad_id);
  /// n sequences of one position, none of them padding.
  static SequenceLayout single(int64_t n);

  int64_t size() const { return rows.numel(); }  // N
  bool every_position() const { return size() == batch * length; }
};

/// x: [N, C], the rows of `layout` -> [B, L, C], zeros where a position is not a row.
Tensor to_blocks(const Tensor& x, const SequenceLayout& layout);
/// x: [B, L, C] -> [N, C], the rows of `layout`.
Tensor to_rows(const Tensor& x, const SequenceLayout& layout);

}  // namespace mt::nn
