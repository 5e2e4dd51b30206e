// Incremental decoding state. Generating token t with the full decoder would recompute every
// earlier position; instead each decoder layer keeps the keys and values of the positions
// already generated (self-attention, [N, allocated, 2D], filled one position per step, the
// room doubled when it is full: memory follows the outputs' length, not the length limit) and
// those of the encoder memory (cross-attention, computed once per sentence). Beam search
// reorders the rows when beams are re-ranked. Read next: ../train/translate/decode.h.
#pragma once

#include <vector>

#include "autograd/tensor.h"

namespace mt::nn {

struct LayerCache {
  Tensor self_kv;   // [N, allocated, 2D]: keys then values of the positions generated so far
  Tensor cross_kv;  // [N, S, 2D]: keys then values of the encoder memory
};

struct DecoderCache {
  std::vector<LayerCache> layers;
  IntTensor src_padding;  // [N, S]
  int64_t length = 0;     // positions decoded so far
  int64_t capacity = 0;   // most positions the self-attention caches may hold
  int64_t allocated = 0;  // positions they hold room for now (<= capacity)

  /// Keeps rows `rows` (with repeats) of every cached tensor, in that order.
  void select_rows(const std::vector<int64_t>& rows);
  /// Room for the next position: doubles `allocated` (up to capacity) when it is full.
  void make_room();
};

/// Rows `rows` of x along dim 0 (a copy).
Tensor take_rows(const Tensor& x, const std::vector<int64_t>& rows);
IntTensor take_rows(const IntTensor& x, const std::vector<int64_t>& rows);

}  // namespace mt::nn
