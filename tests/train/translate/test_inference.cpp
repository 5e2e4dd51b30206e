// Tests of what a trained model is used with: score (train/translate/score.h) agrees with
// translate's log-probabilities; translate's n-best and JSON-lines output; average
// (train/run/average.h) of copies of one checkpoint is that checkpoint, of two is their mean,
// and refuses checkpoints of other shapes or vocabularies; train.keep_last keeps N; a best
// checkpoint chosen by validation BLEU is the one with the highest; train.snapshot_minutes keeps
// the averaged weights at each mark.
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "tests/reference.h"
#include "train/loop/trainer.h"
#include "train/run/average.h"
#include "train/run/checkpoint.h"
#include "train/run/safetensors.h"
#include "train/translate/evaluate.h"
#include "train/translate/score.h"
#include "train/translate/stream.h"

using namespace mt;
namespace fs = std::filesystem;

namespace {

std::string toy(const std::string& file) { return std::string(MT_SOURCE_DIR) + "/data/toy/" + file; }

struct TempDir {
  TempDir() : path((fs::temp_directory_path() / ("minitrans_use_" + std::to_string(::getpid()) + "_" + std::to_string(n++))).string()) {}
  ~TempDir() { fs::remove_all(path); }
  std::string path;
  static inline int n = 0;
};

// A tiny model trained for `steps` on the toy data (a few seconds), with overrides; or a run
// in `dir` resumed to `steps`.
void train_tiny(const std::string& dir, int64_t steps, std::vector<std::string> more = {}, Start start = Start::kNew) {
  std::vector<std::string> args = {
      "--model.d_model=32", "--model.heads=2", "--model.encoder_layers=1", "--model.decoder_layers=1",
      "--model.ff_dim=64", "--model.max_positions=40",
      "--data.train_src=" + toy("train.src"), "--data.train_tgt=" + toy("train.tgt"),
      "--data.valid_src=" + toy("valid.src"), "--data.valid_tgt=" + toy("valid.tgt"), "--data.max_len=32",
      "--data.max_tokens=512", "--optim.lr=0.01", "--optim.warmup=10", "--train.run_dir=" + dir,
      "--train.max_steps=" + std::to_string(steps), "--train.valid_every=10", "--train.log_every=10",
      "--train.valid_bleu_sentences=50"};
  std::ostringstream log;
  train(parse_train_config(testing::with_overrides(args, more)), start, log);
}

std::vector<std::string> toy_lines(const std::string& file, size_t n) {
  std::ifstream in(toy(file));
  std::vector<std::string> lines;
  for (std::string line; lines.size() < n && std::getline(in, line);) lines.push_back(line);
  return lines;
}

}  // namespace

TEST_CASE("score: a translation's log-probability is translate's for it, and the formats of translate") {
  TempDir run;
  train_tiny(run.path, 60);
  const LoadedModel m = load_for_inference(run.path);
  const std::vector<std::string> sources = toy_lines("valid.src", 60);
  const std::vector<NBest> greedy =
      translate_hypotheses(*m.model, encode_sources(*m.model, m.codec, sources), {.max_len_b = 30});
  std::vector<data::TextPair> pairs;
  for (size_t i = 0; i < sources.size(); ++i) pairs.push_back({sources[i], m.codec.decode_target(greedy[i][0].tokens)});
  const std::vector<PairScore> scores = score_pairs(*m.model, m.codec, pairs, 300);  // several batches
  int64_t ended = 0;
  for (size_t i = 0; i < pairs.size(); ++i) {
    const Hypothesis& h = greedy[i][0];
    CHECK(scores[i].tokens == static_cast<int64_t>(h.tokens.size()) + 1);
    CHECK(scores[i].mean() == doctest::Approx(scores[i].log_prob / scores[i].tokens));
    if (!h.ended) continue;  // score adds an <eos> translate never scored
    ++ended;
    CHECK(scores[i].log_prob == doctest::Approx(h.log_prob).epsilon(1e-4));
  }
  CHECK(ended >= 30);
  // A pair alone scores as in a batch; an empty source scores 0 with an empty target, -inf otherwise.
  CHECK(score_pairs(*m.model, m.codec, {pairs[7]}, 300)[0].log_prob == doctest::Approx(scores[7].log_prob).epsilon(1e-5));
  const auto empty = score_pairs(*m.model, m.codec, {{"", ""}, {"", "a dog"}}, 300);
  CHECK(empty[0].log_prob == 0.0);
  CHECK(std::isinf(empty[1].log_prob));

  // translate --n-best 3 --beam 3: three "i ||| text ||| score" lines a source, best first.
  std::istringstream in(sources[0] + "\n" + sources[1] + "\n");
  data::LineReader reader(in, "test");
  std::ostringstream nbest;
  translate_stream(*m.model, m.codec, reader, nbest, {.beam = 3, .n_best = 3, .max_len_b = 30},
                   {.format = OutputFormat::kNBest});
  std::istringstream lines(nbest.str());
  std::vector<std::string> got;
  for (std::string line; std::getline(lines, line);) got.push_back(line);
  REQUIRE(got.size() == 6);
  const std::vector<std::string> best = translate_text(*m.model, m.codec, {sources[1]}, {.beam = 3, .max_len_b = 30});
  CHECK(got[3].rfind("1 ||| " + best[0] + " ||| ", 0) == 0);
  for (size_t j : {1, 2, 4, 5}) {
    CHECK(std::stod(got[j].substr(got[j].rfind("||| ") + 4)) <= std::stod(got[j - 1].substr(got[j - 1].rfind("||| ") + 4)));
  }
  // --format jsonl: an object a line with the text, the score and the pieces.
  std::istringstream in2(sources[2] + "\n");
  data::LineReader reader2(in2, "test");
  std::ostringstream jsonl;
  translate_stream(*m.model, m.codec, reader2, jsonl, {.max_len_b = 30}, {.format = OutputFormat::kJsonl});
  const auto j = nlohmann::json::parse(jsonl.str());
  CHECK(j["line"] == 0);
  CHECK(j["text"] == m.codec.decode_target(greedy[2][0].tokens));
  CHECK(j["log_prob"].get<double>() == doctest::Approx(greedy[2][0].log_prob));
  CHECK(j["tokens"].size() == greedy[2][0].tokens.size());
}

TEST_CASE("average: N copies of a checkpoint are it, two average element-wise, keep_last keeps N") {
  TempDir run, other, out, out2, out3;
  train_tiny(run.path, 50, {"--train.keep_last=3"});
  const std::vector<std::string> kept = kept_checkpoints(run.path);
  REQUIRE(kept.size() == 3);
  CHECK(fs::path(kept.back()).filename() == "checkpoint-50.safetensors");
  CHECK(fs::path(kept.front()).filename() == "checkpoint-30.safetensors");

  average_checkpoints({.paths = {kept[1], kept[1], kept[1]}}, out.path);
  const auto one = load_safetensors(kept[1]), copies = load_safetensors(run_file(out.path, "model.safetensors"));
  REQUIRE(one.size() == copies.size());
  for (const auto& [name, t] : one) CHECK_MESSAGE(t.to_vector() == copies.at(name).to_vector(), name);

  CHECK(average_checkpoints({.paths = {run.path}, .last = 2}, out2.path) == std::vector<std::string>{kept[1], kept[2]});
  const auto a = load_safetensors(kept[1]), b = load_safetensors(kept[2]);
  const auto mean = load_safetensors(run_file(out2.path, "model.safetensors"));
  const auto& name = a.begin()->first;
  const std::vector<float> x = a.at(name).to_vector(), y = b.at(name).to_vector(), z = mean.at(name).to_vector();
  for (size_t i = 0; i < x.size(); ++i) CHECK(z[i] == static_cast<float>((double(x[i]) + double(y[i])) / 2.0));
  // The average translates like any run directory.
  const LoadedModel averaged = load_for_inference(out2.path);
  CHECK(translate_text(*averaged.model, averaged.codec, {"the dog sees a cat"}, {.max_len_b = 20}).size() == 1);
  // A model of another shape, or a directory that already holds a model, is refused.
  train_tiny(other.path, 10, {"--model.d_model=16", "--train.keep_last=1"});
  CHECK_THROWS_WITH_AS(average_checkpoints({.paths = {kept[2], kept_checkpoints(other.path)[0]}}, out3.path),
                       doctest::Contains("averaging needs checkpoints of one model shape"), Error);
  CHECK_THROWS_WITH_AS(average_checkpoints({.paths = {kept[2]}}, out2.path), doctest::Contains("already holds a model"), Error);
}

TEST_CASE("trainer: train.snapshot_minutes keeps the weights validation sees after each step that crosses a mark") {
  TempDir run, plain;
  // Marks 6 microseconds apart: every step takes longer, so each one crosses a mark.
  train_tiny(run.path, 20, {"--train.snapshot_minutes=1e-7", "--train.keep_last=2", "--train.ema=0.9"});
  const std::vector<std::string> taken = snapshots(run.path);
  REQUIRE(taken.size() == 20);
  CHECK(fs::path(taken[1]).filename() == "snapshot-2.safetensors");  // by step, not by name
  CHECK(fs::path(taken.back()).filename() == "snapshot-20.safetensors");
  for (const int64_t step : {10, 20}) {  // the weight average, as the kept checkpoint of that step holds it
    const auto snapshot = load_safetensors(run_file(run.path, str("snapshot-", step, ".safetensors")));
    const auto kept = load_safetensors(run_file(run.path, str("checkpoint-", step, ".safetensors")));
    REQUIRE(snapshot.size() == kept.size());
    for (const auto& [name, t] : kept) CHECK_MESSAGE(t.to_vector() == snapshot.at(name).to_vector(), name, " at ", step);
  }
  std::ifstream in(run_file(run.path, "metrics.jsonl"));
  std::vector<double> minutes;
  for (std::string line; std::getline(in, line);) {
    const auto j = nlohmann::json::parse(line);
    if (j.contains("snapshot_minutes")) minutes.push_back(j["snapshot_minutes"].get<double>());
  }
  CHECK(minutes.size() == 20);
  CHECK(std::is_sorted(minutes.begin(), minutes.end()));
  // A snapshot after the last checkpoint (a crashed run's) is removed when the run resumes there.
  fs::copy_file(taken.back(), run_file(run.path, "snapshot-99.safetensors"));
  train_tiny(run.path, 25, {"--train.snapshot_minutes=1e-7", "--train.keep_last=2", "--train.ema=0.9"}, Start::kResume);
  CHECK_FALSE(fs::exists(run_file(run.path, "snapshot-99.safetensors")));
  CHECK(snapshots(run.path).size() == 25);
  remove_snapshots_after(run.path, 15);
  CHECK(snapshots(run.path).size() == 15);
  train_tiny(plain.path, 10);
  CHECK(snapshots(plain.path).empty());
}

TEST_CASE("average: checkpoints of runs with other vocabularies are refused") {
  TempDir run, other, out;
  train_tiny(run.path, 10, {"--train.keep_last=1"});
  train_tiny(other.path, 10, {"--train.keep_last=1", "--data.train_src=" + toy("valid.src"),
                              "--data.train_tgt=" + toy("valid.tgt")});
  CHECK_THROWS_WITH_AS(average_checkpoints({.paths = {run.path, other.path}}, out.path),
                       doctest::Contains("src_vocab.txt differs"), Error);
}

TEST_CASE("trainer: train.best_metric = bleu keeps the checkpoint of the highest validation BLEU, of all sentences") {
  TempDir run;
  train_tiny(run.path, 60, {"--train.best_metric=bleu", "--train.valid_bleu_sentences=5"});
  std::ifstream in(run_file(run.path, "metrics.jsonl"));
  double best = -1.0;
  int64_t best_step = -1, validations = 0;
  for (std::string line; std::getline(in, line);) {
    const auto j = nlohmann::json::parse(line);
    if (!j.contains("valid_bleu")) continue;
    ++validations;
    CHECK(j.contains("valid_chrf"));
    const bool higher = j["valid_bleu"].get<double>() > best;
    CHECK(j["best"] == higher);  // saved exactly when BLEU rose, whatever the loss did
    if (higher) best = j["valid_bleu"], best_step = j["step"];
  }
  CHECK(validations == 6);
  const Metadata meta = load_safetensors_metadata(run_file(run.path, "best_model.safetensors"));
  CHECK(meta.at("step") == std::to_string(best_step));
  // Whole validation set decoded (not train.valid_bleu_sentences = 5): evaluate gives the same BLEU.
  const LoadedModel m = load_for_inference(run.path);
  const data::WhitespaceTokenizer words;
  const auto pairs = data::tokenize_pairs(data::read_parallel_text(toy("valid.src"), toy("valid.tgt")), words, words);
  DecodeOptions greedy = test_decoding(m.config);
  greedy.beam = 1;
  CHECK(evaluate(*m.model, m.codec, pairs, greedy).bleu.score == doctest::Approx(best).epsilon(1e-9));
}
