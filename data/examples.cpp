// The encoded training pairs; see examples.h.
#include "data/examples.h"

#include <algorithm>

#include "autograd/check.h"

namespace mt::data {
namespace {

// The arrays of an in-memory Examples.
struct Storage {
  std::vector<uint64_t> offsets{0};
  std::vector<uint32_t> src_len;
  std::vector<int32_t> ids;
};

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

Examples Examples::in_memory(const std::vector<Example>& examples, std::vector<int64_t> corpus_first) {
  auto s = std::make_shared<Storage>();
  for (const Example& e : examples) {
    s->ids.insert(s->ids.end(), e.src.begin(), e.src.end());
    s->ids.insert(s->ids.end(), e.tgt.begin(), e.tgt.end());
    s->src_len.push_back(static_cast<uint32_t>(e.src.size()));
    s->offsets.push_back(s->ids.size());
  }
  const auto n = static_cast<int64_t>(examples.size());
  if (corpus_first.empty()) corpus_first = {0, n};
  MT_CHECK(corpus_first.front() == 0 && corpus_first.back() == n && std::is_sorted(corpus_first.begin(), corpus_first.end()),
           "examples: corpus boundaries must run from 0 to the ", n, " pairs");
  ExampleArrays a{.pairs = n, .offsets = s->offsets.data(), .src_len = s->src_len.data(), .ids = s->ids.data(),
                  .id_bytes = 4, .corpus_first = std::move(corpus_first)};
  return Examples(std::move(a), std::move(s));
}

Examples::Examples(ExampleArrays arrays, std::shared_ptr<const void> owner)
    : a_(std::move(arrays)), owner_(std::move(owner)) {}

void Examples::copy(uint64_t at, int64_t n, int32_t* out) const {
  if (a_.id_bytes == 2) {
    const uint16_t* ids = static_cast<const uint16_t*>(a_.ids) + at;
    for (int64_t k = 0; k < n; ++k) out[k] = ids[k];
  } else {
    std::copy_n(static_cast<const int32_t*>(a_.ids) + at, n, out);
  }
}

std::vector<int32_t> Examples::src(int64_t i) const {
  std::vector<int32_t> out(src_len(i));
  copy_src(i, out.data());
  return out;
}

std::vector<int32_t> Examples::tgt(int64_t i) const {
  std::vector<int32_t> out(tgt_len(i));
  copy_tgt(i, out.data());
  return out;
}

}  // namespace mt::data
