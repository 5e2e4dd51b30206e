// Batching; see batcher.h.
#include "data/batcher.h"

#include <algorithm>
#include <numeric>

#include "autograd/check.h"
#include "autograd/random.h"

namespace mt::data {
namespace {

// Fisher-Yates with the counter-based generator: the same (seed, stream) gives the same order
// on every platform.
template <typename T>
void shuffle(std::vector<T>& items, uint64_t seed, uint64_t stream) {
  for (size_t i = items.size(); i > 1; --i) {
    const size_t j = random_bits(seed, stream * 0x100000000ull + i) % i;
    std::swap(items[i - 1], items[j]);
  }
}

}  // namespace

std::vector<Example> encode_pairs(const std::vector<SentencePair>& pairs, const Vocab& src_vocab,
                                  const Vocab& tgt_vocab, int64_t max_len, int64_t* dropped) {
  std::vector<Example> out;
  int64_t skipped = 0;
  for (const SentencePair& p : pairs) {
    if (static_cast<int64_t>(p.src.size()) > max_len || static_cast<int64_t>(p.tgt.size()) + 1 > max_len) {
      ++skipped;
      continue;
    }
    out.push_back({src_vocab.encode(p.src), tgt_vocab.encode(p.tgt)});
  }
  if (dropped) *dropped = skipped;
  return out;
}

Batch make_batch(const std::vector<Example>& examples, const std::vector<int64_t>& indices) {
  MT_CHECK(!indices.empty(), "make_batch: no examples");
  int64_t s = 1, t = 1;
  for (int64_t i : indices) {
    s = std::max<int64_t>(s, examples[i].src.size());
    t = std::max<int64_t>(t, examples[i].tgt.size() + 1);
  }
  const int64_t b = static_cast<int64_t>(indices.size());
  Batch batch;
  batch.indices = indices;
  batch.src = IntTensor(std::vector<int32_t>(b * s, Vocab::kPad), {b, s});
  batch.tgt_in = IntTensor(std::vector<int32_t>(b * t, Vocab::kPad), {b, t});
  batch.tgt_out = IntTensor(std::vector<int32_t>(b * t, Vocab::kPad), {b * t});
  for (int64_t row = 0; row < b; ++row) {
    const Example& e = examples[indices[row]];
    std::copy(e.src.begin(), e.src.end(), batch.src.values.begin() + row * s);
    batch.tgt_in.values[row * t] = Vocab::kBos;
    std::copy(e.tgt.begin(), e.tgt.end(), batch.tgt_in.values.begin() + row * t + 1);
    std::copy(e.tgt.begin(), e.tgt.end(), batch.tgt_out.values.begin() + row * t);
    batch.tgt_out.values[row * t + e.tgt.size()] = Vocab::kEos;
    batch.tgt_tokens += static_cast<int64_t>(e.tgt.size()) + 1;
  }
  batch.src_layout = nn::SequenceLayout::packed(batch.src, Vocab::kPad);
  batch.tgt_layout = nn::SequenceLayout::packed(batch.tgt_in, Vocab::kPad);
  return batch;
}

std::vector<std::vector<int64_t>> split_by_tokens(const std::vector<Example>& examples,
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
    tokens[part] += static_cast<int64_t>(examples[i].src.size() + examples[i].tgt.size()) + 1;
  }
  return split;
}

Batcher::Batcher(const std::vector<Example>& examples, int64_t max_tokens, uint64_t seed)
    : examples_(examples), max_tokens_(max_tokens), seed_(seed) {
  MT_CHECK(max_tokens > 0, "batcher: the token budget must be positive, got ", max_tokens);
}

int64_t Batcher::cost(int64_t i) const {
  return std::max<int64_t>(examples_[i].src.size(), examples_[i].tgt.size() + 1);
}

std::vector<std::vector<int64_t>> Batcher::cut(const std::vector<int64_t>& order) const {
  std::vector<std::vector<int64_t>> batches;
  std::vector<int64_t> current;
  int64_t longest = 0;
  for (int64_t i : order) {
    const int64_t longer = std::max(longest, cost(i));
    if (!current.empty() && longer * static_cast<int64_t>(current.size() + 1) > max_tokens_) {
      batches.push_back(std::move(current));
      current.clear();
      longest = 0;
    }
    current.push_back(i);
    longest = std::max(longest, cost(i));
  }
  if (!current.empty()) batches.push_back(std::move(current));
  return batches;
}

std::vector<std::vector<int64_t>> Batcher::epoch_batches(int64_t epoch) const {
  std::vector<int64_t> order(examples_.size());
  std::iota(order.begin(), order.end(), 0);
  const uint64_t stream = 2 * static_cast<uint64_t>(epoch);
  shuffle(order, seed_, stream);  // random order among equal lengths
  std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) { return cost(a) < cost(b); });
  std::vector<std::vector<int64_t>> batches = cut(order);
  shuffle(batches, seed_, stream + 1);
  return batches;
}

std::vector<std::vector<int64_t>> Batcher::sorted_batches() const {
  std::vector<int64_t> order(examples_.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) { return cost(a) < cost(b); });
  return cut(order);
}

}  // namespace mt::data
