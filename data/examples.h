// The encoded training pairs, flat: pair i's source ids and then its target ids (without
// <bos>/<eos>) start at offsets[i] of one id array, and src_len[i] says where the target begins.
// The arrays are either a prepared set's memory-mapped file (16-bit ids where the vocabularies
// allow; prepared_set.h) or built in memory (subword sampling draws them anew each epoch, and
// tests build them by hand). Pairs come corpus by corpus: corpus c holds the pairs from
// corpus_first(c) to corpus_first(c + 1). Batching reads the lengths alone (batcher.h).
// Read next: example_file.h.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "data/parallel_corpus.h"
#include "data/vocab.h"

namespace mt::data {

/// One encoded pair: what an in-memory Examples is built from.
struct Example {
  std::vector<int32_t> src, tgt;  // ids, without <bos>/<eos>
};

/// Encodes pairs with the vocabularies. Pairs whose source is longer than max_len, or whose
/// target with <eos> is, are dropped and counted in *dropped.
std::vector<Example> encode_pairs(const std::vector<SentencePair>& pairs, const Vocab& src_vocab,
                                  const Vocab& tgt_vocab, int64_t max_len, int64_t* dropped);

/// Where the arrays of an Examples are: a prepared set's mapped file, or memory of its own.
struct ExampleArrays {
  int64_t pairs = 0;
  const uint64_t* offsets = nullptr;   // [pairs + 1], in ids
  const uint32_t* src_len = nullptr;   // [pairs]
  const void* ids = nullptr;           // [offsets[pairs]] of id_bytes each
  int id_bytes = 4;                    // 2 (uint16) or 4 (int32)
  std::vector<int64_t> corpus_first;   // [corpora + 1]
};

class Examples {
 public:
  Examples() = default;
  /// In memory; `corpus_first` splits them into corpora (empty: one corpus).
  static Examples in_memory(const std::vector<Example>& examples, std::vector<int64_t> corpus_first = {});
  /// A view of arrays that `owner` keeps alive (a mapped file).
  Examples(ExampleArrays arrays, std::shared_ptr<const void> owner);

  int64_t size() const { return a_.pairs; }
  int64_t src_len(int64_t i) const { return a_.src_len[i]; }
  int64_t tgt_len(int64_t i) const { return static_cast<int64_t>(a_.offsets[i + 1] - a_.offsets[i]) - a_.src_len[i]; }
  /// Writes pair i's source (target) ids to out[0 .. src_len(i)) (tgt_len(i)).
  void copy_src(int64_t i, int32_t* out) const { copy(a_.offsets[i], src_len(i), out); }
  void copy_tgt(int64_t i, int32_t* out) const { copy(a_.offsets[i] + a_.src_len[i], tgt_len(i), out); }
  std::vector<int32_t> src(int64_t i) const;
  std::vector<int32_t> tgt(int64_t i) const;
  int64_t corpora() const { return a_.corpus_first.empty() ? 0 : static_cast<int64_t>(a_.corpus_first.size()) - 1; }
  int64_t corpus_first(int64_t c) const { return a_.corpus_first[c]; }
  int64_t total_ids() const { return a_.pairs == 0 ? 0 : static_cast<int64_t>(a_.offsets[a_.pairs]); }

 private:
  void copy(uint64_t at, int64_t n, int32_t* out) const;

  ExampleArrays a_;
  std::shared_ptr<const void> owner_;
};

}  // namespace mt::data
