// Tests of data/prepared_set: the epoch's batches of a training corpus, compared with a fixture
// recorded from the in-memory path before the prepared set existed (tests/reference/batches.txt).
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "tests/reference.h"
#include "train/dist/communicator.h"
#include "train/loop/run_data.h"
#include "train/run/checkpoint.h"

using namespace mt;
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
  RunData data = load_run_data(c, false, create_run_dir(c.train.run_dir), log, Communicator::world());
  const data::Batcher batcher(data.examples, c.data.max_tokens, static_cast<uint64_t>(c.train.seed));
  for (int64_t epoch = 0; epoch < 3; ++epoch) {
    const auto batches = batcher.epoch_batches(epoch);
    uint64_t lists = 0xcbf29ce484222325ull, ids = lists;
    for (const auto& rows : batches) {
      for (int64_t i : rows) lists = fnv(lists, i);
      lists = fnv(lists, -1);
      const data::Batch b = data::make_batch(data.examples, rows);
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
