// From encoded pairs to padded batches. Each epoch the batcher draws the epoch's pairs (every
// pair once, or as its corpus' weight says), shuffles them (seeded: the same seed and epoch give
// the same batches), sorts them by length so a batch holds sentences of similar length (little
// padding), cuts batches under a token budget, and shuffles the batch order. It reads the
// pairs' lengths alone, a few bytes a pair, never their ids. A batch carries the layout of each
// side (which positions are padding, which are computed: nn/sequence_layout.h), made here once
// and read by every module. Read next: ../train/loop/trainer.h.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "autograd/tensor.h"
#include "data/examples.h"
#include "data/vocab.h"
#include "nn/sequence_layout.h"

namespace mt::data {

struct Batch {
  IntTensor src;      // [B, S], padded with <pad>
  IntTensor tgt_in;   // [B, T]: <bos> y1 .. yn, padded
  IntTensor tgt_out;  // [B·T]: y1 .. yn <eos>, padded (flattened for the loss)
  nn::SequenceLayout src_layout, tgt_layout;  // packed: the real positions of src and tgt_in
  std::vector<int64_t> indices;  // which examples, in row order
  int64_t tgt_tokens = 0;        // non-pad entries of tgt_out
};

/// The padded batch of examples[indices] (rows in the order given).
Batch make_batch(const Examples& examples, const std::vector<int64_t>& indices);

/// The rows of one batch cut into `parts` micro-batches with about the same number of tokens
/// (source and target, with <eos>), each row to the part with the fewest so far, each part in
/// row order: a part is empty only when there are fewer rows than parts. Gradient accumulation
/// and data parallelism cut a step's batch this way (train.accumulate).
std::vector<std::vector<int64_t>> split_by_tokens(const Examples& examples,
                                                  const std::vector<int64_t>& rows, int64_t parts);

/// `order` (sorted by cost) cut into runs whose rows · largest cost stays within max_tokens, at
/// least one row each: how training, evaluation and translation batches are cut. cost(i) is
/// row i's padded length.
template <typename Cost>
std::vector<std::vector<int64_t>> cut_batches(const std::vector<int64_t>& order, const Cost& cost, int64_t max_tokens) {
  std::vector<std::vector<int64_t>> batches;
  std::vector<int64_t> current;
  int64_t longest = 0;
  for (int64_t i : order) {
    const int64_t longer = std::max<int64_t>(longest, cost(i));
    if (!current.empty() && longer * static_cast<int64_t>(current.size() + 1) > max_tokens) {
      batches.push_back(std::move(current));
      current.clear();
      longest = 0;
    }
    current.push_back(i);
    longest = std::max<int64_t>(longest, cost(i));
  }
  if (!current.empty()) batches.push_back(std::move(current));
  return batches;
}
/// The indices of the non-zero `lengths`, shortest first (stable), cut as cut_batches does: the
/// batches of translation, whose results go back in input order.
std::vector<std::vector<int64_t>> length_batches(const std::vector<int64_t>& lengths, int64_t max_tokens);

/// Groups example indices into batches of at most max_tokens padded tokens
/// (rows · longest side, at least one row per batch).
class Batcher {
 public:
  /// `weights`, one per corpus of `examples` (empty: all 1), say how often each corpus' pairs
  /// are drawn per epoch: a weight w draws every pair floor(w) times, and a seeded
  /// (frac w)-share of them once more, a new share each epoch. The batcher keeps a reference.
  Batcher(const Examples& examples, int64_t max_tokens, uint64_t seed, std::vector<double> weights = {});
  /// The pairs of `epoch` as the weights draw them (every pair once with weights of 1).
  std::vector<int64_t> epoch_pairs(int64_t epoch) const;
  /// The batches of `epoch`: its pairs shuffled, length-sorted, cut, batch order shuffled.
  std::vector<std::vector<int64_t>> epoch_batches(int64_t epoch) const;
  /// Batches in length order without shuffling (evaluation; callers restore input order).
  std::vector<std::vector<int64_t>> sorted_batches() const;

 private:
  int64_t cost(int64_t index) const;  // padded length of an example: max(src, tgt + 1)

  const Examples& examples_;
  int64_t max_tokens_;
  uint64_t seed_;
  std::vector<double> weights_;
};

}  // namespace mt::data
