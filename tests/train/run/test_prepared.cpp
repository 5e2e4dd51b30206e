// Tests of the prepared training set (data/example_file, data/cleaning, data/batcher's weights,
// train/run/prepared_set): the epoch's batches equal a fixture recorded from the in-memory path
// before the prepared set existed (tests/reference/batches.txt); a changed input or option makes
// a new set, another model size reuses it; a truncated or corrupt set is named and rebuilt;
// cleaning counts on a messy sample; SentencePiece's sample is seeded and bounded; weighted
// corpora draw as weighted.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "data/example_file.h"
#include "tests/reference.h"
#include "train/distributed/communicator.h"
#include "train/loop/training_data.h"
#include "train/run/checkpoint.h"

using namespace mt;
using namespace mt::testing;
namespace fs = std::filesystem;

namespace {

std::string source(const std::string& file) { return std::string(MT_SOURCE_DIR) + "/" + file; }

// The two corpora of the fixture: the toy task in words, and the toy task in SentencePiece pieces
// (trained on one thread, so the model does not depend on the machine's cores).
Config batches_config(const std::string& run_dir, bool subwords) {
  std::vector<std::string> args = {"--data.train_src=" + source("data/toy/train.src"),
                                   "--data.train_tgt=" + source("data/toy/train.tgt"), "--data.max_len=32",
                                   "--data.max_tokens=512", "--model.max_positions=40", "--train.seed=1",
                                   "--train.threads=1", "--train.run_dir=" + run_dir};
  if (subwords) {
    for (const char* a : {"--data.tokenizer=sentencepiece", "--data.shared_vocab=true", "--data.spm_vocab_size=100"}) {
      args.push_back(a);
    }
  }
  return parse_train_config(args);
}

uint64_t fnv(uint64_t h, int64_t v) {
  for (int i = 0; i < 8; ++i) h = (h ^ ((static_cast<uint64_t>(v) >> (8 * i)) & 0xff)) * 0x100000001b3ull;
  return h;
}

// One line per epoch: the batch count, a hash of the batch lists, a hash of the batches' ids, and
// the first batch's rows.
std::string describe_epochs(const Config& c) {
  std::ostringstream log, out;
  TrainingData data(c, false, create_run_dir(c.train.run_dir), log, Communicator::world());
  for (int64_t epoch = 0; epoch < 3; ++epoch) {
    const auto batches = data.batches(epoch, [](const std::string&) {});
    uint64_t lists = 0xcbf29ce484222325ull, ids = lists;
    for (const auto& rows : batches) {
      for (int64_t i : rows) lists = fnv(lists, i);
      lists = fnv(lists, -1);
      const data::Batch b = data::make_batch(data.examples(), rows);
      for (const IntTensor* t : {&b.src, &b.tgt_in, &b.tgt_out}) {
        for (int32_t v : t->values) ids = fnv(ids, v);
      }
    }
    out << "epoch " << epoch << " batches " << batches.size() << " lists " << lists << " ids " << ids << " first";
    for (int64_t i : batches[0]) out << " " << i;
    out << "\n";
  }
  return out.str();
}

}  // namespace

TEST_CASE("prepared set: the epoch's batches equal those recorded from the in-memory path") {
  std::string expected;
  {
    std::ifstream in(std::string(MT_REFERENCE_DIR) + "/batches.txt");
    REQUIRE(in.good());
    std::stringstream s;
    s << in.rdbuf();
    expected = s.str();
  }
  std::string got;
  for (bool subwords : {false, true}) {
    const std::string dir = (fs::temp_directory_path() / ("minitrans_batches_" + std::to_string(::getpid()))).string();
    got += std::string(subwords ? "# toy, SentencePiece\n" : "# toy, words\n") + describe_epochs(batches_config(dir, subwords));
    fs::remove_all(dir);
  }
  if (const char* record = std::getenv("MT_RECORD_BATCHES")) std::ofstream(record) << got;
  CHECK(got == expected);
}

namespace {

// A scratch directory of its own: a data cache and corpus files.
struct Scratch {
  Scratch() : dir(fs::temp_directory_path() / ("minitrans_prepared_" + std::to_string(::getpid()) + "_" + std::to_string(n++))) {
    fs::create_directories(dir);
  }
  ~Scratch() { fs::remove_all(dir); }
  std::string path(const std::string& name) const { return (dir / name).string(); }
  std::string write(const std::string& name, const std::string& text) const {
    std::ofstream(dir / name, std::ios::binary) << text;
    return path(name);
  }
  fs::path dir;
  static inline int n = 0;
};

// The toy corpus in words, prepared into `cache`, with overrides.
Config toy_config(const std::string& cache, std::vector<std::string> more = {}) {
  std::vector<std::string> args = {"--data.train_src=" + source("data/toy/valid.src"),
                                   "--data.train_tgt=" + source("data/toy/valid.tgt"), "--data.max_len=32",
                                   "--model.max_positions=40", "--data.cache_dir=" + cache};
  for (const std::string& m : more) {  // `more` overrides
    const std::string key = m.substr(0, m.find('=') + 1);
    std::erase_if(args, [&](const std::string& a) { return a.rfind(key, 0) == 0; });
    args.push_back(m);
  }
  return parse_train_config(args);
}

}  // namespace

TEST_CASE("prepared set: another model size reuses it, a changed input or data option makes a new one") {
  Scratch s;
  const std::string src = s.write("a.src", "the dog runs\na cat sleeps\nbirds fly high\n");
  const std::string tgt = s.write("a.tgt", "lo kano kuri\nuna mira dormi\ntesis vola alte\n");
  const auto config = [&](std::vector<std::string> more) {
    more.push_back("--data.train_src=" + src);
    more.push_back("--data.train_tgt=" + tgt);
    return toy_config(s.path("cache"), more);
  };
  std::ostringstream log;
  const PreparedSet first = prepare_training_set(config({}), nullptr, log);
  CHECK(!first.reused);
  CHECK(first.examples.size() == 3);
  CHECK(first.examples.src(1) == std::vector<int32_t>{first.codec.src_vocab.id("a"), first.codec.src_vocab.id("cat"),
                                                      first.codec.src_vocab.id("sleeps")});
  CHECK(first.manifest["inputs"][0]["path"] == src);
  const PreparedSet bigger = prepare_training_set(config({"--model.d_model=128", "--train.seed=5"}), nullptr, log);
  CHECK(bigger.reused);
  CHECK(bigger.dir == first.dir);
  const PreparedSet longer = prepare_training_set(config({"--data.max_len=16"}), nullptr, log);
  CHECK(!longer.reused);
  CHECK(longer.dir != first.dir);
  s.write("a.tgt", "lo kano kuri\nuna mira dormi\ntesis vola alta\n");  // one letter changed, same size
  const PreparedSet changed = prepare_training_set(config({}), nullptr, log);
  CHECK(!changed.reused);
  CHECK(changed.dir != first.dir);
  CHECK(changed.codec.tgt_vocab.id("alta") > data::Vocab::kEos);
}

TEST_CASE("prepared set: a truncated or corrupt examples file is named in one line and rebuilt") {
  Scratch s;
  const Config c = toy_config(s.path("cache"));
  std::ostringstream log;
  const PreparedSet made = prepare_training_set(c, nullptr, log);
  const std::string file = made.dir + "/examples.bin";
  const auto size = fs::file_size(file);
  check_error([&] { data::open_example_file(s.write("short.bin", "MTEX")); }, {"short.bin", "truncated"});
  fs::resize_file(file, size - 10);
  check_error([&] { data::open_example_file(file); }, {"examples.bin", "truncated or corrupt"});
  std::ostringstream again;
  const PreparedSet rebuilt = prepare_training_set(c, nullptr, again);
  CHECK(!rebuilt.reused);
  CHECK(again.str().find("the prepared set " + made.dir + " is unusable") != std::string::npos);
  CHECK(again.str().find("examples.bin") != std::string::npos);
  CHECK(fs::file_size(file) == size);
  verify_prepared_set(rebuilt);
  {  // a flipped byte in the index: caught on open
    std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(size - 4 * rebuilt.examples.size() - 16));
    f.put('\x7f');
  }
  std::ostringstream third;
  CHECK(!prepare_training_set(c, nullptr, third).reused);
  CHECK(third.str().find("corrupt pair index") != std::string::npos);
  {  // a flipped id: only a full verification reads the ids
    std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(64);
    f.put('\x7f');
  }
  const PreparedSet opened = prepare_training_set(c, nullptr, third);
  CHECK(opened.reused);
  check_error([&] { verify_prepared_set(opened); }, {"examples.bin", "CRC-32 mismatch"});
  // What a process killed while making the set left behind goes when the set is made next.
  fs::remove_all(made.dir);
  fs::create_directories(made.dir + ".tmp.999999");
  std::ofstream(made.dir + ".tmp.999999/examples.bin") << "half";
  CHECK(!prepare_training_set(c, nullptr, third).reused);
  CHECK(!fs::exists(made.dir + ".tmp.999999"));
}

TEST_CASE("prepared set: cleaning skips and counts empty sides, long lines and length ratios, or stops") {
  Scratch s;
  const std::string messy = source("tests/data/messy.tsv");
  const Config c = toy_config(s.path("cache"), {"--data.train_src=", "--data.train_tgt=", "--data.train_tsv=" + messy});
  std::ostringstream log;
  const PreparedSet set = prepare_training_set(c, nullptr, log);
  CHECK(set.manifest["read"] == 27);
  CHECK(set.examples.size() == 20);
  CHECK(set.manifest["skipped"] == nlohmann::ordered_json({{"empty", 3}, {"long", 2}, {"ratio", 2}}));
  CHECK(set.manifest["skipped_examples"]["empty"][0] == messy + ":6 (0 and 4 pieces)");
  CHECK(set.manifest["skipped_examples"]["long"][0] == messy + ":19 (20000 and 6 pieces)");
  CHECK(set.manifest["skipped_examples"]["ratio"][1] == messy + ":22 (30 and 2 pieces)");
  const std::string described = describe_prepared_set(set);
  CHECK(described.find("skipped, ratio: 2 (" + messy + ":21 (1 and 12 pieces)") != std::string::npos);
  for (int64_t i = 0; i < set.examples.size(); ++i) {
    CHECK(set.examples.src_len(i) >= 1);
    CHECK(set.examples.tgt_len(i) + 1 <= 32);
  }
  // No ratio limit keeps the two; strictness makes the first bad pair an error naming it.
  CHECK(prepare_training_set(toy_config(s.path("cache"), {"--data.train_src=", "--data.train_tgt=",
                                                          "--data.train_tsv=" + messy, "--data.max_ratio=0"}),
                             nullptr, log).examples.size() == 22);
  check_error([&] {
    prepare_training_set(toy_config(s.path("cache"), {"--data.train_src=", "--data.train_tgt=",
                                                      "--data.train_tsv=" + messy, "--data.bad_pairs=error"}),
                         nullptr, log);
  }, {messy + ":6", "empty", "data.bad_pairs = error"});  // found in the set made above
  check_error([&] {
    prepare_training_set(toy_config(s.path("strict"), {"--data.train_src=", "--data.train_tgt=",
                                                       "--data.train_tsv=" + messy, "--data.bad_pairs=error"}),
                         nullptr, log);
  }, {messy + ":6", "a training pair with an empty side", "data.bad_pairs = error"});  // met while making one
}

TEST_CASE("prepared set: SentencePiece trains on a seeded sample of at most data.spm_max_lines lines") {
  Scratch s;
  const auto config = [&](const std::string& cache, const std::string& lines) {
    return toy_config(s.path(cache), {"--data.tokenizer=sentencepiece", "--data.shared_vocab=true",
                                      "--data.spm_vocab_size=60", "--data.spm_max_lines=" + lines, "--train.threads=1"});
  };
  std::ostringstream log;
  const PreparedSet a = prepare_training_set(config("one", "300"), nullptr, log);
  CHECK(log.str().find("model on 300 of 1000 source and target lines (data.spm_max_lines = 300)") != std::string::npos);
  const PreparedSet b = prepare_training_set(config("two", "300"), nullptr, log);  // another cache: made again
  CHECK(!b.reused);
  const auto bytes = [](const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  };
  CHECK(bytes(a.dir + "/spm.model") == bytes(b.dir + "/spm.model"));  // the same sample, the same model
  const PreparedSet all = prepare_training_set(config("one", "0"), nullptr, log);
  CHECK(log.str().find("model on 1000 of 1000 source and target lines") != std::string::npos);
  CHECK(bytes(all.dir + "/spm.model") != bytes(a.dir + "/spm.model"));
}

TEST_CASE("batcher: weighted corpora draw each pair weight times per epoch, the fraction a new share each time") {
  std::vector<data::Example> pairs;
  for (int i = 0; i < 3000; ++i) pairs.push_back({std::vector<int32_t>(1 + i % 9, 5), std::vector<int32_t>(1 + i % 7, 6)});
  const data::Examples examples = data::Examples::in_memory(pairs, {0, 1000, 2000, 3000});
  const data::Batcher batcher(examples, 256, 3, {1.0, 2.5, 0.25});
  std::vector<int64_t> drawn(3000, 0);
  const int64_t epochs = 20;
  for (int64_t epoch = 0; epoch < epochs; ++epoch) {
    std::vector<int64_t> per_corpus(3, 0);
    for (const auto& batch : batcher.epoch_batches(epoch)) {
      for (int64_t i : batch) ++drawn[i], ++per_corpus[i / 1000];
    }
    CHECK(per_corpus == std::vector<int64_t>{1000, 2500, 250});  // exactly as weighted, every epoch
  }
  // Each pair's share over the epochs, within a few percent of its weight on average.
  const auto mean = [&](int64_t c) {
    double sum = 0.0;
    for (int64_t i = c * 1000; i < (c + 1) * 1000; ++i) sum += static_cast<double>(drawn[i]) / epochs;
    return sum / 1000.0;
  };
  CHECK(mean(0) == doctest::Approx(1.0));
  CHECK(mean(1) == doctest::Approx(2.5).epsilon(0.03));
  CHECK(mean(2) == doctest::Approx(0.25).epsilon(0.03));
  int64_t never = 0;  // the quarter drawn differs between epochs: after 20, few pairs were never drawn
  for (int64_t i = 2000; i < 3000; ++i) never += drawn[i] == 0;
  CHECK(never < 30);
  CHECK(data::Batcher(examples, 256, 3, {1.0, 1.0, 1.0}).epoch_pairs(0).size() == 3000);
  check_error([&] { data::Batcher(examples, 256, 3, {1.0, 0.0, 1.0}); }, {"weight must be > 0"});
}

TEST_CASE("config: data.corpora lists corpora with weights, and a malformed list names the corpus") {
  DataConfig d;
  d.corpora = "a.de a.en, b.tsv weight=3,c.de c.en weight=0.5";
  const auto corpora = training_corpora(d);
  REQUIRE(corpora.size() == 3);
  CHECK(corpora[0].src == "a.de");
  CHECK(corpora[0].tgt == "a.en");
  CHECK(corpora[0].weight == 1.0);
  CHECK(corpora[1].tsv == "b.tsv");
  CHECK(corpora[1].weight == 3.0);
  CHECK(corpora[2].weight == 0.5);
  d.corpora = "a.de a.en x.tsv";
  check_error([&] { training_corpora(d); }, {"data.corpora: corpus 1", "expected 'SRC TGT' or one TSV file"});
  d.corpora = "a.de a.en, b.tsv weight=-1";
  check_error([&] { training_corpora(d); }, {"corpus 2", "weight must be > 0, got -1"});
  d.corpora = "b.tsv weight=two";
  check_error([&] { training_corpora(d); }, {"weight must be a number, got 'two'"});
  check_error([&] { parse_train_config({"--data.corpora=a b c", "--data.train_src="}); }, {"command line: data.corpora"});
}
