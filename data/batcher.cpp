// Batching; see batcher.h.
#include "data/batcher.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "autograd/check.h"
#include "autograd/random.h"

namespace mt::data {
namespace {

// Fisher-Yates with the counter-based generator: the same (seed, stream) gives the same order
// on every platform.
// `part` picks 2³² counters of the stream (random.h's table says which part is which).
template <typename T>
void shuffle(std::vector<T>& items, const RandomStream& stream, uint64_t seed, uint64_t part) {
  for (size_t i = items.size(); i > 1; --i) {
    const size_t j = stream.bits(seed, part * 0x100000000ull + i) % i;
    std::swap(items[i - 1], items[j]);
  }
}

}  // namespace

Batch make_batch(const Examples& examples, const std::vector<int64_t>& indices) {
  MT_CHECK(!indices.empty(), "make_batch: no examples");
  int64_t s = 1, t = 1;
  for (int64_t i : indices) {
    s = std::max(s, examples.src_len(i));
    t = std::max(t, examples.tgt_len(i) + 1);
  }
  const int64_t b = static_cast<int64_t>(indices.size());
  Batch batch;
  batch.indices = indices;
  batch.src = IntTensor(std::vector<int32_t>(b * s, Vocab::kPad), {b, s});
  batch.tgt_in = IntTensor(std::vector<int32_t>(b * t, Vocab::kPad), {b, t});
  batch.tgt_out = IntTensor(std::vector<int32_t>(b * t, Vocab::kPad), {b * t});
  for (int64_t row = 0; row < b; ++row) {
    const int64_t i = indices[row], n = examples.tgt_len(i);
    examples.copy_src(i, batch.src.values.data() + row * s);
    batch.tgt_in.values[row * t] = Vocab::kBos;
    examples.copy_tgt(i, batch.tgt_in.values.data() + row * t + 1);
    examples.copy_tgt(i, batch.tgt_out.values.data() + row * t);
    batch.tgt_out.values[row * t + n] = Vocab::kEos;
    batch.tgt_tokens += n + 1;
  }
  batch.src_layout = nn::SequenceLayout::packed(batch.src, Vocab::kPad);
  batch.tgt_layout = nn::SequenceLayout::packed(batch.tgt_in, Vocab::kPad);
  return batch;
}

std::vector<std::vector<int64_t>> split_by_tokens(const Examples& examples,
                                                  const std::vector<int64_t>& rows, int64_t parts) {
  MT_CHECK(parts >= 1, "split_by_tokens: parts must be >= 1, got ", parts);
  // Dealt like cards: each row to the part with the fewest tokens (source and target) so far.
  // A batch's rows are in length order, so every part gets rows of every length, and so about
  // the same work for the encoder, the decoder and the padding alike.
  std::vector<std::vector<int64_t>> split(parts);
  std::vector<int64_t> tokens(parts, 0);
  for (int64_t i : rows) {
    const auto part = std::min_element(tokens.begin(), tokens.end()) - tokens.begin();
    split[part].push_back(i);
    tokens[part] += examples.src_len(i) + examples.tgt_len(i) + 1;
  }
  return split;
}

Batcher::Batcher(const Examples& examples, int64_t max_tokens, uint64_t seed, std::vector<double> weights)
    : examples_(examples), max_tokens_(max_tokens), seed_(seed), weights_(std::move(weights)) {
  MT_CHECK(max_tokens > 0, "batcher: the token budget must be positive, got ", max_tokens);
  if (weights_.empty()) weights_.assign(examples.corpora(), 1.0);
  MT_CHECK(static_cast<int64_t>(weights_.size()) == examples.corpora(), "batcher: ", weights_.size(),
           " weights for ", examples.corpora(), " corpora");
  for (double w : weights_) MT_CHECK(w > 0.0, "batcher: a corpus weight must be > 0, got ", w);
}

int64_t Batcher::cost(int64_t i) const { return std::max(examples_.src_len(i), examples_.tgt_len(i) + 1); }

std::vector<int64_t> Batcher::epoch_pairs(int64_t epoch) const {
  std::vector<int64_t> pairs;
  for (int64_t c = 0; c < examples_.corpora(); ++c) {
    const int64_t first = examples_.corpus_first(c), n = examples_.corpus_first(c + 1) - first;
    const double whole = std::floor(weights_[c]);
    for (int64_t copy = 0; copy < static_cast<int64_t>(whole); ++copy) {
      for (int64_t i = first; i < first + n; ++i) pairs.push_back(i);
    }
    // The fractional part: a seeded share of the corpus, a new one each epoch.
    const auto extra = static_cast<int64_t>(std::llround((weights_[c] - whole) * static_cast<double>(n)));
    if (extra == 0) continue;
    std::vector<int64_t> drawn(n);
    std::iota(drawn.begin(), drawn.end(), first);
    shuffle(drawn, streams::kCorpusWeights, seed_, static_cast<uint64_t>(epoch) << 16 | static_cast<uint64_t>(c));
    drawn.resize(extra);
    std::sort(drawn.begin(), drawn.end());
    pairs.insert(pairs.end(), drawn.begin(), drawn.end());
  }
  return pairs;
}

std::vector<std::vector<int64_t>> length_batches(const std::vector<int64_t>& lengths, int64_t max_tokens) {
  std::vector<int64_t> order;
  for (size_t i = 0; i < lengths.size(); ++i) {
    if (lengths[i] > 0) order.push_back(static_cast<int64_t>(i));
  }
  std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) { return lengths[a] < lengths[b]; });
  return cut_batches(order, [&](int64_t i) { return lengths[i]; }, max_tokens);
}

std::vector<std::vector<int64_t>> Batcher::epoch_batches(int64_t epoch) const {
  std::vector<int64_t> order = epoch_pairs(epoch);
  const uint64_t part = 2 * static_cast<uint64_t>(epoch);
  shuffle(order, streams::kBatchOrder, seed_, part);  // random order among equal lengths
  std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) { return cost(a) < cost(b); });
  std::vector<std::vector<int64_t>> batches = cut_batches(order, [&](int64_t i) { return cost(i); }, max_tokens_);
  shuffle(batches, streams::kBatchOrder, seed_, part + 1);
  return batches;
}

std::vector<std::vector<int64_t>> Batcher::sorted_batches() const {
  std::vector<int64_t> order(examples_.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) { return cost(a) < cost(b); });
  return cut_batches(order, [&](int64_t i) { return cost(i); }, max_tokens_);
}

}  // namespace mt::data
