// Making a prepared training set (see prepared_set.h): a first pass over the corpora draws the
// lines SentencePiece trains on or counts the words of the vocabularies, a second encodes every
// pair in parallel, cleans it and streams its ids to examples.bin. Neither holds the corpus:
// memory is a chunk of pairs, the sample, and the index.
#include <chrono>
#include <fstream>
#include <thread>
#include <unordered_map>

#include "autograd/check.h"
#include "autograd/parallel.h"
#include "autograd/random.h"
#include "autograd/threading.h"
#include "data/atomic_file.h"
#include "data/example_file.h"
#include "data/text.h"
#include "train/run/prepared_set.h"
#include "train/run/tokenizers.h"

namespace mt::prepare_detail {
namespace {

constexpr int64_t kChunk = 1 << 14;  // pairs encoded at once
double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// A seeded uniform sample of at most `max` lines (0: every line), by reservoir sampling: every
// line while they fit, in their order.
struct LineSample {
  int64_t max = 0;
  int64_t seen = 0;
  std::vector<std::string> lines;
  void add(const std::string& line) {
    const int64_t k = seen++;
    if (max == 0 || k < max) return lines.push_back(line);
    const auto j = static_cast<int64_t>(streams::kTokenizerSample.bits(0, static_cast<uint64_t>(k)) % static_cast<uint64_t>(k + 1));
    if (j < max) lines[j] = line;
  }
};

// The tokenizers and vocabularies of a new set: SentencePiece models trained on a sample of the
// corpora (or loaded), or word vocabularies counted over the pairs cleaning keeps.
data::Codec make_codec(const Config& c, const std::vector<data::CorpusFiles>& corpora, std::ostream& log) {
  const DataConfig& d = c.data;
  const bool spm = d.tokenizer == TokenizerKind::kSentencePiece;
  const bool train_spm = spm && (d.shared_vocab ? d.spm_model.empty() : d.spm_src_model.empty() || d.spm_tgt_model.empty());
  LineSample src{.max = d.spm_max_lines, .seen = 0, .lines = {}}, tgt{.max = d.spm_max_lines, .seen = 0, .lines = {}};
  std::unordered_map<std::string, int64_t> src_counts, tgt_counts;
  const data::CleaningOptions cleaning = cleaning_options(d);
  if (train_spm || !spm) {
    for (const data::CorpusFiles& corpus : corpora) {
      data::PairReader reader(corpus);
      for (data::TextPair p; reader.next(p);) {
        if (train_spm) {
          if (!data::split_whitespace(p.src).empty()) src.add(p.src);
          if (!data::split_whitespace(p.tgt).empty()) (d.shared_vocab ? src : tgt).add(p.tgt);
          continue;
        }
        const std::vector<std::string> s = data::tokenize(p.src, d.lowercase), t = data::tokenize(p.tgt, d.lowercase);
        if (data::check_pair(static_cast<int64_t>(s.size()), static_cast<int64_t>(t.size()), cleaning)) continue;
        for (const std::string& w : s) ++src_counts[w];
        for (const std::string& w : t) ++(d.shared_vocab ? src_counts : tgt_counts)[w];
      }
    }
  }
  data::Codec codec;
  make_tokenizers(c, {.src = std::move(src.lines), .tgt = std::move(tgt.lines), .src_seen = src.seen, .tgt_seen = tgt.seen},
                  codec, log);
  if (spm) {
    codec.src_vocab = data::Vocab::from_tokens(codec.src_tokenizer->vocabulary());
    codec.tgt_vocab = d.shared_vocab ? codec.src_vocab : data::Vocab::from_tokens(codec.tgt_tokenizer->vocabulary());
  } else {
    codec.src_vocab = data::Vocab::from_counts(src_counts, d.min_freq, d.max_vocab);
    codec.tgt_vocab = d.shared_vocab ? codec.src_vocab : data::Vocab::from_counts(tgt_counts, d.min_freq, d.max_vocab);
  }
  return codec;
}

// What the second pass counts.
struct Counts {
  int64_t read = 0;
  data::SkipCounts skipped;
};

// Encodes one chunk of pairs in parallel, then cleans and writes them in order.
void write_chunk(const Config& c, const data::Codec& codec, const std::vector<data::TextPair>& pairs,
                 const std::vector<std::string>& where, data::ExampleFileWriter& out, Counts& counts) {
  std::vector<data::Example> encoded(pairs.size());
  parallel_for(static_cast<int64_t>(pairs.size()), 64, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      encoded[i] = {codec.encode_source(pairs[i].src), codec.encode_target(pairs[i].tgt)};
    }
  });
  const data::CleaningOptions cleaning = cleaning_options(c.data);
  for (size_t i = 0; i < pairs.size(); ++i) {
    ++counts.read;
    const auto s = static_cast<int64_t>(encoded[i].src.size()), t = static_cast<int64_t>(encoded[i].tgt.size());
    if (const auto reason = data::check_pair(s, t, cleaning)) {
      const std::string at = str(where[i], " (", s, " and ", t, " pieces)");
      MT_CHECK(c.data.bad_pairs == BadPairs::kSkip, where[i], ": a training pair with ",
               data::skip_reason_text(*reason, cleaning), " (", s, " and ", t, " pieces; data.bad_pairs = error)");
      counts.skipped.add(*reason, at);
      continue;
    }
    out.add(encoded[i].src, encoded[i].tgt);
  }
}

// The second pass: every corpus encoded, cleaned and written, corpus by corpus.
Counts encode_corpora(const Config& c, const std::vector<data::CorpusFiles>& corpora, const data::Codec& codec,
                      data::ExampleFileWriter& out) {
  Counts counts;
  std::vector<data::TextPair> pairs;
  std::vector<std::string> where;
  const auto flush = [&] {
    write_chunk(c, codec, pairs, where, out, counts);
    pairs.clear();
    where.clear();
  };
  for (const data::CorpusFiles& corpus : corpora) {
    data::PairReader reader(corpus);
    const int64_t before = counts.read + static_cast<int64_t>(pairs.size());
    for (data::TextPair p; reader.next(p);) {
      pairs.push_back(std::move(p));
      where.push_back(reader.where());
      if (static_cast<int64_t>(pairs.size()) == kChunk) flush();
    }
    flush();
    MT_CHECK(counts.read > before, corpus.tsv.empty() ? corpus.src : corpus.tsv, ": the corpus is empty");
    out.end_corpus();
  }
  return counts;
}

}  // namespace

void build_set(const Config& c, const std::vector<data::CorpusFiles>& corpora, const data::Codec* given,
               const std::string& dir, nlohmann::ordered_json manifest, std::ostream& log) {
  const auto start = std::chrono::steady_clock::now();
  const data::Codec codec = given != nullptr ? *given : make_codec(c, corpora, log);
  const double tokenizers_s = seconds_since(start);
  const int id_bytes = std::max(codec.src_vocab.size(), codec.tgt_vocab.size()) <= 65536 ? 2 : 4;
  data::ExampleFileWriter out(dir + "/examples.bin", id_bytes);
  const auto encoding = std::chrono::steady_clock::now();
  const Counts counts = encode_corpora(c, corpora, codec, out);
  const int64_t bytes = out.finish();
  const int64_t kept = counts.read - counts.skipped.total();
  const data::CleaningOptions cleaning = cleaning_options(c.data);
  MT_CHECK(kept > 0, "data: every one of the ", counts.read, " training pairs was skipped (",
           counts.skipped.summary(cleaning), ")");
  save_codec(c, codec, dir);
  manifest["read"] = counts.read;
  manifest["pairs"] = kept;
  manifest["skipped"] = nlohmann::ordered_json::object();
  manifest["skipped_examples"] = nlohmann::ordered_json::object();
  for (size_t r = 0; r < data::kSkipReasons; ++r) {
    const char* name = data::skip_reason_name(static_cast<data::SkipReason>(r));
    manifest["skipped"][name] = counts.skipped.count[r];
    manifest["skipped_examples"][name] = counts.skipped.shown[r];
  }
  manifest["id_bytes"] = id_bytes;
  manifest["examples_bytes"] = bytes;
  manifest["vocabularies"] = {codec.src_vocab.size(), codec.tgt_vocab.size()};
  manifest["seconds"] = {{"tokenizers", tokenizers_s}, {"encoding", seconds_since(encoding)}};
  write_file_atomically(dir + "/manifest.json", manifest.dump(2) + "\n");
  log << "data: prepared the training set " << dir.substr(0, dir.rfind(".tmp.")) << " from " << corpora.size()
      << (corpora.size() == 1 ? " corpus: " : " corpora: ") << counts.read << " pairs read, " << kept
      << " kept, encoded on " << num_threads() << " threads in " << data::seconds_text(seconds_since(encoding)) << ", " << bytes
      << " bytes\n";
}

}  // namespace mt::prepare_detail
