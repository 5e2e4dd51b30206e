// Tests of data/: UTF-8 checks, tokenization, vocabularies, corpus reading errors, batching
// (no example lost or duplicated in an epoch, token budget, determinism), padding.
#include <unistd.h>

#include <algorithm>
#include <numeric>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "data/batcher.h"
#include "data/corpus_file.h"
#include "data/parallel_corpus.h"
#include "data/text.h"
#include "data/vocab.h"
#include "tests/reference.h"

using namespace mt;
using namespace mt::data;
using namespace mt::testing;
namespace fs = std::filesystem;

namespace {
struct TempFiles {
  TempFiles() : dir(fs::temp_directory_path() / ("minitrans_data_" + std::to_string(::getpid()) + "_" + std::to_string(n++))) {
    fs::create_directories(dir);
  }
  ~TempFiles() { fs::remove_all(dir); }
  std::string write(const std::string& name, const std::string& text) const {
    std::ofstream(dir / name, std::ios::binary) << text;
    return (dir / name).string();
  }
  fs::path dir;
  static inline int n = 0;
};
}  // namespace

TEST_CASE("data: UTF-8 validation finds the first bad byte") {
  CHECK(utf8_error_offset("plain ascii") == -1);
  CHECK(utf8_error_offset("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80") == -1);  // é € 😀
  CHECK(utf8_error_offset("ab\xff") == 2);
  CHECK(utf8_error_offset("a\xc3") == 1);              // truncated
  CHECK(utf8_error_offset("\xc0\xaf") == 0);           // overlong
  CHECK(utf8_error_offset("\xed\xa0\x80") == 0);       // surrogate
  CHECK(utf8_error_offset("\xf4\x90\x80\x80") == 0);   // above U+10FFFF
}

TEST_CASE("data: whitespace tokenization with optional lowercasing") {
  CHECK(tokenize("  The\tdog  Runs \r", false) == std::vector<std::string>{"The", "dog", "Runs"});
  CHECK(tokenize("The Ümlaut DOG", true) == std::vector<std::string>{"the", "ümlaut", "dog"});
  CHECK(tokenize("", false).empty());
  CHECK(join({"a", "b"}) == "a b");
}

TEST_CASE("data: vocabularies by frequency, with min_freq and max_size, saved and loaded") {
  const std::vector<std::vector<std::string>> sentences = {{"b", "a", "c"}, {"a", "b", "a"}, {"d"}};
  const Vocab all = Vocab::build(sentences, 1, 0);
  CHECK(all.size() == 8);
  CHECK(all.token(0) == "<pad>");
  CHECK(all.token(3) == "<eos>");
  CHECK(all.token(4) == "a");  // 3 times
  CHECK(all.token(5) == "b");  // 2 times
  CHECK(all.token(6) == "c");  // once, alphabetical before d
  CHECK(Vocab::build(sentences, 2, 0).size() == 6);
  CHECK(Vocab::build(sentences, 1, 5).size() == 5);
  CHECK(all.encode({"a", "zzz"}) == std::vector<int32_t>{4, Vocab::kUnk});
  CHECK(all.decode({Vocab::kBos, 4, 5, Vocab::kEos, 6}) == std::vector<std::string>{"a", "b"});

  TempFiles files;
  const std::string path = (files.dir / "v.txt").string();
  all.save(path);
  const Vocab loaded = Vocab::load(path);
  CHECK(loaded.size() == all.size());
  CHECK(loaded.id("d") == all.id("d"));
  check_error([&] { Vocab::load(files.write("bad.txt", "<pad>\n<unk>\n<bos>\n<eos>\na\na\n")); }, {"bad.txt:6", "twice"});
  check_error([&] { Vocab::load(files.write("two.txt", "<pad>\n<unk>\n<bos>\n<eos>\na b\n")); }, {"two.txt:5", "one token"});
  check_error([&] { Vocab::load(files.write("sp.txt", "<unk>\n")); }, {"sp.txt:1", "<pad>"});
  check_error([] { Vocab::build({}, 0, 0); }, {"min_freq"});
}

TEST_CASE("data: corpus reading names the file and line of every problem") {
  TempFiles f;
  const auto pairs = read_parallel_text(f.write("a.src", "x y\nz\n"), f.write("a.tgt", "1\n2 3\n"));
  REQUIRE(pairs.size() == 2);
  CHECK(pairs[1].tgt == "2 3");
  check_error([&] { read_parallel_text(f.write("b.src", "x\ny\nz\n"), f.write("b.tgt", "1\n2\n")); },
              {"b.tgt", "line 2", "b.src", "same number of lines"});
  check_error([&] { read_parallel_text(f.write("c.src", "x\n\n"), f.write("c.tgt", "1\n2\n")); }, {"c.src:2", "empty"});
  check_error([&] { read_parallel_text(f.write("d.src", "x\n"), f.write("d.tgt", "ok \xff\n")); },
              {"d.tgt:1", "invalid UTF-8", "byte 4"});
  check_error([&] { read_parallel_text(f.write("e.src", ""), f.write("e.tgt", "")); }, {"e.src", "empty"});
  check_error([&] { read_parallel_text((f.dir / "missing").string(), f.write("g.tgt", "1\n")); }, {"missing", "cannot open"});
  CHECK(read_tsv_text(f.write("h.tsv", "x y\t1 2\n"))[0].src == "x y");
  check_error([&] { read_tsv_text(f.write("i.tsv", "x\t1\t2\n")); }, {"i.tsv:1", "one tab"});
  std::istringstream in("a b\n\nc\n");
  const auto sentences = read_lines(in, "stdin");
  CHECK(sentences.size() == 3);
  CHECK(sentences[1].empty());
}

TEST_CASE("data: length filter counts what it drops") {
  const Vocab v = Vocab::build({{"a", "b"}}, 1, 0);
  int64_t dropped = -1;
  const auto examples = encode_pairs({{{"a"}, {"b"}, "", ""}, {{"a", "a", "a"}, {"b"}, "", ""}, {{"a"}, {"b", "b", "b"}, "", ""}}, v, v, 3, &dropped);
  CHECK(examples.size() == 2);  // the target "b b b" needs 4 with <eos>
  CHECK(dropped == 1);
}

TEST_CASE("data: each epoch holds every example exactly once, within the token budget, reproducibly") {
  std::vector<Example> examples;
  manual_seed(1);
  for (int i = 0; i < 500; ++i) {
    examples.push_back({std::vector<int32_t>(1 + i % 13, 5), std::vector<int32_t>(1 + (i * 7) % 11, 6)});
  }
  const Examples flat = Examples::in_memory(examples);
  const Batcher batcher(flat, 64, 42);
  const auto epoch0 = batcher.epoch_batches(0);
  std::vector<int64_t> seen;
  for (const auto& batch : epoch0) {
    int64_t longest = 0;
    for (int64_t i : batch) longest = std::max<int64_t>({longest, (int64_t)examples[i].src.size(), (int64_t)examples[i].tgt.size() + 1});
    CHECK(longest * static_cast<int64_t>(batch.size()) <= 64);
    seen.insert(seen.end(), batch.begin(), batch.end());
  }
  std::sort(seen.begin(), seen.end());
  std::vector<int64_t> all(500);
  std::iota(all.begin(), all.end(), 0);
  CHECK(seen == all);
  CHECK(Batcher(flat, 64, 42).epoch_batches(0) == epoch0);  // same seed and epoch
  CHECK(batcher.epoch_batches(1) != epoch0);                    // another epoch, another order
  CHECK(Batcher(flat, 64, 43).epoch_batches(0) != epoch0);
}

TEST_CASE("data: a batch cut into micro-batches: every row once, in order within a part, tokens about equal") {
  std::vector<Example> examples;
  for (int i = 0; i < 40; ++i) examples.push_back({{5}, std::vector<int32_t>(1 + (i * 7) % 11, 6)});
  std::vector<int64_t> rows(40);
  std::iota(rows.begin(), rows.end(), 0);
  const auto tokens = [&](int64_t i) { return static_cast<int64_t>(examples[i].src.size() + examples[i].tgt.size()) + 1; };
  int64_t total = 0;
  for (int64_t i : rows) total += tokens(i);
  for (int64_t parts : {1, 2, 3, 4, 7}) {
    INFO(parts);
    const auto split = split_by_tokens(Examples::in_memory(examples), rows, parts);
    REQUIRE(static_cast<int64_t>(split.size()) == parts);
    std::vector<int64_t> joined;
    for (const auto& part : split) {
      int64_t sum = 0;
      for (int64_t i : part) sum += tokens(i);
      CHECK(std::abs(sum - total / parts) <= 13);  // within a row (at most 13 tokens) of an equal share
      CHECK(std::is_sorted(part.begin(), part.end()));
      joined.insert(joined.end(), part.begin(), part.end());
    }
    std::sort(joined.begin(), joined.end());
    CHECK(joined == rows);
  }
  const auto few = split_by_tokens(Examples::in_memory(examples), {3, 4}, 4);  // fewer rows than parts: some are empty
  CHECK(few == std::vector<std::vector<int64_t>>{{3}, {4}, {}, {}});
  check_error([&] { split_by_tokens(Examples::in_memory(examples), rows, 0); }, {"parts", "0"});
}

TEST_CASE("data: a batch pads with <pad>, starts targets with <bos> and ends them with <eos>") {
  const std::vector<Example> examples = {{{7, 8, 9}, {10}}, {{7}, {11, 12}}};
  const Batch b = make_batch(Examples::in_memory(examples), {0, 1});
  CHECK(b.src.shape == Shape{2, 3});
  CHECK(b.src.values == std::vector<int32_t>{7, 8, 9, 7, 0, 0});
  CHECK(b.tgt_in.shape == Shape{2, 3});
  CHECK(b.tgt_in.values == std::vector<int32_t>{Vocab::kBos, 10, 0, Vocab::kBos, 11, 12});
  CHECK(b.tgt_out.values == std::vector<int32_t>{10, Vocab::kEos, 0, 11, 12, Vocab::kEos});
  CHECK(b.tgt_tokens == 5);
}
