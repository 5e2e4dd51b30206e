// End-to-end tests of train/loop/trainer.cpp: a tiny model trains for a few seconds (the loss
// falls, the run directory is complete, translate and eval run), and a resumed run equals an
// uninterrupted one bit for bit; and the run log's records (train/loop/run_log.cpp).
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <limits>
#include <fstream>
#include <thread>
#include <sstream>

#include <nlohmann/json.hpp>

#include "data/text.h"
#include "tests/reference.h"
#include "autograd/precision.h"
#include "autograd/threading.h"
#include "train/run/build.h"
#include "train/run/checkpoint.h"
#include "train/translate/bleu.h"
#include "train/translate/evaluate.h"
#include "train/translate/stream.h"
#include "train/run/safetensors.h"
#include "train/insight/metrics.h"
#include "train/loop/run_log.h"
#include "train/loop/trainer.h"
#include "train/run/run_directory.h"

using namespace mt;
using namespace mt::testing;
namespace fs = std::filesystem;

namespace {

std::string toy(const std::string& file) { return std::string(MT_SOURCE_DIR) + "/data/toy/" + file; }

// A small, quick configuration on the toy data; `train` and `valid` name toy splits.
Config tiny_config(const std::string& run_dir, const std::string& train_split, int64_t max_steps,
                   const std::vector<std::string>& more = {}) {
  std::vector<std::string> args = {
      "--model.d_model=32", "--model.heads=2", "--model.encoder_layers=1", "--model.decoder_layers=1",
      "--model.ff_dim=64", "--model.dropout=0.1", "--model.max_positions=40", "--data.train_src=" + toy(train_split + ".src"),
      "--data.train_tgt=" + toy(train_split + ".tgt"), "--data.valid_src=" + toy("valid.src"),
      "--data.valid_tgt=" + toy("valid.tgt"), "--data.max_len=32", "--data.max_tokens=512", "--optim.lr=0.01",
      "--optim.schedule=noam", "--optim.warmup=10", "--train.run_dir=" + run_dir,
      "--train.max_steps=" + std::to_string(max_steps), "--train.valid_every=10", "--train.log_every=5",
      "--train.valid_bleu_sentences=20"};
  return parse_train_config(with_overrides(args, more));
}

struct RunDir {
  RunDir() : path((fs::temp_directory_path() / ("minitrans_run_" + std::to_string(::getpid()) + "_" + std::to_string(n++))).string()) {}
  ~RunDir() { fs::remove_all(path); }
  std::string path;
  static inline int n = 0;
};

std::vector<double> logged_losses(const std::string& dir) {
  std::ifstream in(run_file(dir, "metrics.jsonl"));
  std::vector<double> losses;
  std::string line;
  while (std::getline(in, line)) {
    const size_t at = line.find("\"loss\": ");
    if (at != std::string::npos && line.find("valid") == std::string::npos) losses.push_back(std::stod(line.substr(at + 8)));
  }
  return losses;
}

}  // namespace

TEST_CASE("trainer: a tiny config trains, its loss falls, and translate and eval run on the result") {
  RunDir run;
  Config c = tiny_config(run.path, "train", 100);
  c.data.test.src = toy("test.src");
  c.data.test.tgt = toy("test.tgt");
  std::ostringstream log;
  const TrainResult r = train(c, Start::kNew, log);
  INFO(log.str());
  CHECK(r.steps == 100);
  const std::vector<double> losses = logged_losses(run.path);
  REQUIRE(losses.size() >= 4);
  CHECK(losses.back() < 0.8 * losses.front());
  for (const char* file : {"config.ini", "src_vocab.txt", "tgt_vocab.txt", "model.safetensors",
                           "best_model.safetensors", "optimizer-100.safetensors", "metrics.jsonl"}) {
    CHECK_MESSAGE(fs::exists(run_file(run.path, file)), file);
  }
  CHECK(log.str().find("test: sentences 1000") != std::string::npos);
  // The test score is the best weights' BLEU on the test split, as evaluate() computes it again.
  const LoadedModel best = load_for_inference(run.path);
  const data::WhitespaceTokenizer words;
  const auto test_pairs = data::tokenize_pairs(data::read_parallel_text(toy("test.src"), toy("test.tgt")), words, words);
  const EvalResult test = evaluate(*best.model, best.codec, test_pairs,
                                   {.beam = c.decode.beam, .max_len_b = c.decode.max_len_b, .max_tokens = 4 * c.data.max_tokens});
  CHECK(r.test_bleu == test.bleu.score);
  CHECK(r.test_bleu > 1.0);  // 100 steps learn something of the task

  const LoadedModel loaded = load_for_inference(run.path);
  // An empty line, an unknown word and a line far longer than the model's positions.
  const std::string very_long = data::join(std::vector<std::string>(5 * loaded.model->options.max_positions, "dog"));
  const auto out = translate_text(*loaded.model, loaded.codec, {"the dog sees a cat", "", "unknownword", very_long},
                                  {.beam = 2, .max_len_b = 20});
  REQUIRE(out.size() == 4);
  // Each line is translated as it would be alone: batching does not change a translation, an
  // unknown word is <unk>, and a line longer than the positions is cut to them.
  auto alone = [&](const std::string& text) {
    return translate_text(*loaded.model, loaded.codec, {text}, {.beam = 2, .max_len_b = 20})[0];
  };
  CHECK(out[0] == alone("the dog sees a cat"));
  CHECK(!out[0].empty());
  CHECK(out[1].empty());
  CHECK(out[2] == alone("<unk>"));
  CHECK(out[3] == alone(data::join(std::vector<std::string>(loaded.model->options.max_positions, "dog"))));
  const auto pairs = data::tokenize_pairs(data::read_parallel_text(toy("valid.src"), toy("valid.tgt")), words, words);
  const EvalResult e = evaluate(*loaded.model, loaded.codec,
                                std::vector<data::SentencePair>(pairs.begin(), pairs.begin() + 50), {.max_len_b = 20});
  CHECK(e.sentences == 50);
  CHECK(e.perplexity == doctest::Approx(std::exp(e.loss)));
  CHECK(e.bleu.score == corpus_bleu(e.hypotheses, {e.references}).score);
  int64_t exact = 0;
  for (size_t i = 0; i < e.hypotheses.size(); ++i) exact += e.hypotheses[i] == e.references[i];
  CHECK(e.exact_match == doctest::Approx(exact / 50.0));
  // eval --json: one object that parses, the shown translations inside it.
  const auto json = nlohmann::json::parse(eval_json(e, pairs, 2));
  CHECK(json["sentences"] == 50);
  CHECK(json["bleu"] == e.bleu.score);
  CHECK(json["bleu_signature"] == e.bleu.signature);
  REQUIRE(json["examples"].size() == 2);
  CHECK(json["examples"][1]["src"] == pairs[1].src_text);
  CHECK(json["examples"][1]["hyp"] == e.hypotheses[1]);
  // A stream of lines: one output line each, in maxi-batches of 2, sources past the positions counted.
  std::istringstream lines("the dog sees a cat\n\n   \n" + very_long + "\nunknownword\n");
  data::LineReader reader(lines, "test");
  std::ostringstream streamed;
  const StreamCounts counts = translate_stream(*loaded.model, loaded.codec, reader, streamed,
                                               {.beam = 2, .max_len_b = 20}, {.maxi_batch = 2});
  CHECK(counts.lines == 5);
  CHECK(counts.cut == 1);
  CHECK(streamed.str() == out[0] + "\n\n\n" + out[3] + "\n" + out[2] + "\n");
}

TEST_CASE("trainer: N steps, stop, resume to 2N equals 2N uninterrupted, bit for bit") {
  RunDir straight, resumed, cache;
  std::ostringstream log;
  // The validation split (500 pairs, ~10 batches) as training data, so the runs cross epochs.
  train(tiny_config(straight.path, "valid", 36), Start::kNew, log);
  train(tiny_config(resumed.path, "valid", 18, {"--data.cache_dir=" + cache.path}), Start::kNew, log);
  // The prepared set is deleted between the runs: the resume rebuilds it with the run's vocabularies.
  REQUIRE(fs::exists(cache.path + "/prepared"));
  fs::remove_all(cache.path);
  const Config more = load_config(run_file(resumed.path, "config.ini"), {"--train.max_steps=36"});
  std::ostringstream resume_log;
  train(more, Start::kResume, resume_log);
  CHECK(resume_log.str().find("made prepared set " + cache.path) != std::string::npos);
  INFO(log.str());
  const auto a = load_safetensors(run_file(straight.path, "model.safetensors"));
  const auto b = load_safetensors(run_file(resumed.path, "model.safetensors"));
  REQUIRE(a.size() == b.size());
  for (const auto& [name, t] : a) {
    INFO(name);
    CHECK(t.to_vector() == b.at(name).to_vector());
  }
  CHECK(logged_losses(straight.path).back() == logged_losses(resumed.path).back());
  // The best weights and the early-stopping figures of the training state, too.
  const auto best_a = load_safetensors(run_file(straight.path, "best_model.safetensors"));
  const auto best_b = load_safetensors(run_file(resumed.path, "best_model.safetensors"));
  for (const auto& [name, t] : best_a) CHECK(t.to_vector() == best_b.at(name).to_vector());
  Metadata state_a, state_b;
  load_safetensors(run_file(straight.path, "optimizer-36.safetensors"), &state_a);
  load_safetensors(run_file(resumed.path, "optimizer-36.safetensors"), &state_b);
  for (const char* key : {"best_valid_loss", "bad_validations", "random_counter", "epoch", "batch_in_epoch"}) {
    INFO(key);
    CHECK(state_a.at(key) == state_b.at(key));
  }
}

// The largest difference between the latest weights of two runs.
double weight_difference(const std::string& a_dir, const std::string& b_dir) {
  const auto a = load_safetensors(run_file(a_dir, "model.safetensors"));
  const auto b = load_safetensors(run_file(b_dir, "model.safetensors"));
  REQUIRE(a.size() == b.size());
  double largest = 0.0;
  for (const auto& [name, t] : a) {
    const std::vector<float> x = t.to_vector(), y = b.at(name).to_vector();
    REQUIRE(x.size() == y.size());
    for (size_t i = 0; i < x.size(); ++i) largest = std::max(largest, std::abs(double(x[i]) - y[i]));
  }
  return largest;
}

// With SGD the weights differ by rounding alone. (With Adam they differ by up to about lr: it
// divides each gradient by its running RMS, so a weight whose gradient is near 0 moves by
// about lr either way, and rounding picks the sign; 0.015 here at lr 0.01.)
TEST_CASE("trainer: train.accumulate = 4 trains the model accumulate = 1 does, up to float rounding") {
  RunDir one, four, other_seed;
  std::ostringstream log;
  const auto config = [](const std::string& dir, const std::string& accumulate, const std::string& seed) {
    return tiny_config(dir, "valid", 20, {"--model.dropout=0", "--optim.optimizer=sgd", "--optim.lr=0.1",
                                          "--train.accumulate=" + accumulate, "--train.seed=" + seed});
  };
  train(config(one.path, "1", "1"), Start::kNew, log);
  train(config(four.path, "4", "1"), Start::kNew, log);
  train(config(other_seed.path, "1", "2"), Start::kNew, log);
  INFO(log.str());
  CHECK(log.str().find("cut into 4 micro-batches") != std::string::npos);
  const double rounding = weight_difference(one.path, four.path);
  MESSAGE("accumulate 1 vs 4 after 20 steps: largest weight difference ", rounding);
  CHECK(rounding < 1e-5);
  CHECK(weight_difference(one.path, other_seed.path) > 1e-2);  // the comparison can tell models apart
  CHECK(logged_losses(one.path).back() == doctest::Approx(logged_losses(four.path).back()).epsilon(1e-5));
}

TEST_CASE("checkpoint: every float of the training state reads back exactly") {
  RunDir run;
  fs::create_directories(run.path);
  manual_seed(3);
  nn::Transformer model({.src_vocab = 6, .tgt_vocab = 6, .layer = {.d_model = 8, .heads = 2, .ff_dim = 8},
                         .encoder_layers = 1, .decoder_layers = 1});
  Adam adam(model.parameters(), {});
  for (const double best : {2.0 / 3.0, 1.2345678901234567e-7, std::numeric_limits<double>::infinity()}) {
    TrainingState state{.step = 7, .best_valid_loss = best, .best_valid_bleu = 40.0 + best, .best_valid_chrf = best / 3,
                        .bad_validations = 2};
    save_checkpoint(run.path, model, adam, nullptr, state);
    const TrainingState read = load_checkpoint(run.path, model, adam, nullptr);
    CHECK(read.best_valid_loss == best);  // 6 significant digits would read 0.666667 back
    CHECK(read.best_valid_bleu == state.best_valid_bleu);
    CHECK(read.best_valid_chrf == state.best_valid_chrf);
    CHECK(read.bad_validations == 2);
  }
}

TEST_CASE("trainer: a stop request finishes the step, saves, and the run resumes from there") {
  RunDir run;
  std::ostringstream log;
  request_stop();
  const TrainResult stopped = train(tiny_config(run.path, "valid", 30), Start::kNew, log);
  clear_stop_request();
  CHECK(stopped.interrupted);
  CHECK(stopped.steps == 1);
  CHECK(log.str().find("stopped at step 1") != std::string::npos);
  const TrainResult resumed = train(load_config(run_file(run.path, "config.ini")), Start::kResume, log);
  CHECK_FALSE(resumed.interrupted);
  CHECK(resumed.steps == 30);
}

TEST_CASE("trainer: a NaN loss stops the run with the step named, or is skipped, and never reaches the weights") {
  RunDir run;
  std::ostringstream log;
  train(tiny_config(run.path, "valid", 10), Start::kNew, log);
  // Poison one weight, keeping the checkpoint consistent (same step in both files).
  Metadata meta;
  auto weights = load_safetensors(run_file(run.path, "model.safetensors"), &meta);
  weights.at("generator.bias").data()[0] = std::numeric_limits<float>::quiet_NaN();
  save_safetensors(run_file(run.path, "model.safetensors"), nn::NamedTensors(weights.begin(), weights.end()), meta);
  const std::vector<float> before = weights.at("src_embed.weight").to_vector();

  const Config more = load_config(run_file(run.path, "config.ini"), {"--train.max_steps=20"});
  check_error([&] { train(more, Start::kResume, log); }, {"step 11", "loss", "train.nonfinite = stop", run.path});
  const Config skipping = load_config(run_file(run.path, "config.ini"), {"--train.max_steps=20", "--train.nonfinite=skip"});
  const TrainResult r = train(skipping, Start::kResume, log);
  CHECK(r.steps == 10);  // no update ever applied
  CHECK(r.skipped_steps > 0);
  CHECK(load_safetensors(run_file(run.path, "model.safetensors")).at("src_embed.weight").to_vector() == before);
}

TEST_CASE("trainer: a crash while saving leaves the last checkpoint loadable") {
  RunDir run;
  std::ostringstream log;
  train(tiny_config(run.path, "valid", 10), Start::kNew, log);
  // A later save that died after writing its optimizer state, before committing the weights.
  std::ofstream(run_file(run.path, "optimizer-20.safetensors")) << "half a file";
  const TrainResult r = train(load_config(run_file(run.path, "config.ini"), {"--train.max_steps=15"}), Start::kResume, log);
  CHECK(r.steps == 15);
  CHECK(log.str().find("resumed " + run.path + " at step 10") != std::string::npos);
  CHECK_FALSE(fs::exists(run_file(run.path, "optimizer-20.safetensors")));  // cleaned at the next save
  CHECK(fs::exists(run_file(run.path, "optimizer-15.safetensors")));
  CHECK_FALSE(fs::exists(run_file(run.path, "optimizer-10.safetensors")));
}

TEST_CASE("run log: records keep their key order, and a NaN or Inf is written as null, never invalid JSON") {
  RunDir run;
  fs::create_directories(run.path);
  const std::string path = run_file(run.path, "metrics.jsonl");
  std::ostringstream out;
  {
    RunLog log(path, out, /*terminal=*/false, {.steps = 10});
    log.record({{"step", 1}, {"loss", std::numeric_limits<double>::quiet_NaN()}, {"valid_bleu", -1.0}});
    log.record({{"step", 2}, {"grad_norm", std::numeric_limits<double>::infinity()}, {"note", "a \"quoted\" word"}});
  }
  std::ifstream in(path);
  std::string first, second;
  std::getline(in, first);
  std::getline(in, second);
  CHECK(first == "{\"step\": 1, \"loss\": null, \"valid_bleu\": -1.0}");
  CHECK(second == "{\"step\": 2, \"grad_norm\": null, \"note\": \"a \\\"quoted\\\" word\"}");
  const std::vector<nlohmann::json> records = read_metrics(path);
  REQUIRE(records.size() == 2);
  CHECK(records[0]["loss"].is_null());
  CHECK(records[1]["note"] == "a \"quoted\" word");
}

TEST_CASE("run log: the ETA is the nearer of the budget's last step and its time limit") {
  std::ostringstream out;
  RunLog by_steps("", out, /*terminal=*/false, {.steps = 10, .seconds = 3600.0});
  by_steps.step(1, 1, 1.0, 0.1f, 100, false);
  const double left = by_steps.eta(1);
  CHECK(left > 0.0);
  CHECK(left <= 9 * by_steps.elapsed());  // nine more steps at the pace of the first
  CHECK(by_steps.eta(10) == 0.0);         // the last step done
  RunLog by_time("", out, /*terminal=*/false, {.steps = 1000000, .seconds = 0.001});
  by_time.step(1, 1, 1.0, 0.1f, 100, false);
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  CHECK(by_time.eta(1) == 0.0);  // the time limit is spent, however many steps are left
  by_time.step(2, 1, 1.0, 0.1f, 100, true);
  CHECK(out.str().find("step 2/1000000") != std::string::npos);
  CHECK(out.str().find("ETA 0:00") != std::string::npos);
}

// A crash can leave metrics.jsonl with records written after the last checkpoint and a partial
// last line. Resuming cuts it back to the checkpoint's records: no step twice, no broken line,
// and elapsed_s goes on from where the checkpoint's run left it.
TEST_CASE("trainer: resume cuts metrics.jsonl back to its checkpoint, and elapsed_s continues") {
  RunDir run;
  std::ostringstream log;
  train(tiny_config(run.path, "valid", 20), Start::kNew, log);
  const std::string path = run_file(run.path, "metrics.jsonl");
  double elapsed_at_20 = -1.0;
  for (const auto& record : read_metrics(path)) elapsed_at_20 = record.value("elapsed_s", elapsed_at_20);
  REQUIRE(elapsed_at_20 > 0.0);
  std::ofstream(path, std::ios::app) << "{\"step\": 25, \"loss\": 0.5, \"elapsed_s\": 99.0}\n"
                                      << "{\"step\": 26, \"loss\": 0.1";
  const TrainResult r = train(load_config(run_file(run.path, "config.ini"), {"--train.max_steps=30"}), Start::kResume, log);
  INFO(log.str());
  CHECK(r.steps == 30);
  std::vector<int64_t> loss_steps;
  std::vector<double> elapsed;
  for (const auto& record : read_metrics(path)) {  // would throw on a broken line
    if (record.contains("loss")) loss_steps.push_back(record["step"].get<int64_t>());
    if (record.contains("elapsed_s")) elapsed.push_back(record["elapsed_s"].get<double>());
  }
  CHECK(loss_steps == std::vector<int64_t>{5, 10, 15, 20, 25, 30});
  REQUIRE(elapsed.size() == 6);
  CHECK(elapsed[4] > elapsed_at_20);  // counted on from the first run's 20 steps
  CHECK(elapsed[4] < 99.0);           // not from the crashed run's record
  CHECK(std::is_sorted(elapsed.begin(), elapsed.end()));
}

namespace {

// SentencePiece on the shipped sample (tests/data/sample.tsv), a joint model trained at start-up,
// with subword sampling and the weights' moving average.
Config subword_config(const std::string& run_dir, int64_t max_steps, const std::string& cache) {
  const std::string sample = std::string(MT_SOURCE_DIR) + "/tests/data/sample.tsv";
  return parse_train_config({
      "--model.d_model=32", "--model.heads=2", "--model.encoder_layers=1", "--model.decoder_layers=1", "--model.ff_dim=64", "--model.dropout=0.1",
      "--model.max_positions=64", "--model.tie_output=true", "--model.embedding_init=scaled",
      "--data.train_tsv=" + sample, "--data.valid_tsv=" + sample, "--data.test_tsv=" + sample,
      "--data.tokenizer=sentencepiece", "--data.shared_vocab=true", "--data.spm_vocab_size=150",
      "--data.spm_alpha=0.3", "--data.max_len=60", "--data.max_tokens=200", "--optim.lr=0.01",
      "--optim.warmup=10", "--train.epochs=100", "--train.run_dir=" + run_dir, "--train.max_steps=" + std::to_string(max_steps),
      "--train.valid_every=20", "--train.log_every=10", "--train.valid_bleu_sentences=8", "--train.ema=0.9",
      "--train.show_translations=0", "--data.cache_dir=" + cache});
}

}  // namespace

TEST_CASE("trainer: SentencePiece with sampling and a weight average trains, resumes bit for bit, scores raw text") {
  RunDir straight, resumed, cache;  // a cache of its own: the first run trains the SentencePiece model
  std::ostringstream log;
  const TrainResult r = train(subword_config(straight.path, 80, cache.path), Start::kNew, log);
  train(subword_config(resumed.path, 40, cache.path), Start::kNew, log);
  train(load_config(run_file(resumed.path, "config.ini"), {"--train.max_steps=80"}), Start::kResume, log);
  INFO(log.str());
  CHECK(fs::exists(run_file(straight.path, "spm.model")));
  CHECK(log.str().find("trained a 150-piece SentencePiece unigram model") != std::string::npos);
  CHECK(log.str().find("segmentations sampled") != std::string::npos);  // epochs after the first
  for (const char* file : {"model.safetensors", "best_model.safetensors", "optimizer-80.safetensors"}) {
    INFO(file);
    const auto a = load_safetensors(run_file(straight.path, file));
    const auto b = load_safetensors(run_file(resumed.path, file));
    REQUIRE(a.size() == b.size());
    for (const auto& [name, t] : a) CHECK(t.to_vector() == b.at(name).to_vector());
  }
  // The average is in the checkpoint, differs from the weights, and is what best_model keeps.
  const auto state = load_safetensors(run_file(straight.path, "optimizer-80.safetensors"));
  CHECK(state.count("ema.0") == 1);
  // Translations are detokenized text; the references are the raw lines of the corpus.
  const LoadedModel loaded = load_for_inference(straight.path);
  const auto pairs = data::tokenize_pairs(data::read_tsv_text(std::string(MT_SOURCE_DIR) + "/tests/data/sample.tsv"),
                                          *loaded.codec.src_tokenizer, *loaded.codec.tgt_tokenizer);
  CHECK(pairs[0].tgt_text == "A little girl climbs into a wooden playhouse.");
  const EvalResult e = evaluate(*loaded.model, loaded.codec, pairs, {.max_len_b = 30});
  CHECK(e.bleu.score == r.test_bleu);
  CHECK(e.chrf.score == r.test_chrf);
  CHECK(e.chrf.score > 0.0);
  for (const std::string& h : e.hypotheses) CHECK(h.find("\u2581") == std::string::npos);  // no raw pieces
}

TEST_CASE("trainer: train.time_limit stops after the step that crosses it, then validates, saves and tests") {
  RunDir run;
  Config c = tiny_config(run.path, "train", 100000);
  c.data.test.src = toy("test.src");
  c.data.test.tgt = toy("test.tgt");
  c.train.time_limit = 0.05f;  // 3 seconds
  c.train.epochs = 1000000;     // only the clock stops it: a fast CPU runs the default 10 epochs in under 3 s
  c.train.valid_every = 100000;
  std::ostringstream log;
  const auto start = std::chrono::steady_clock::now();
  const TrainResult r = train(c, Start::kNew, log);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  INFO(log.str());
  CHECK(r.steps > 0);
  CHECK(r.steps < 100000);
  CHECK(r.seconds >= 3.0);
  CHECK(seconds < 60.0);
  CHECK(log.str().find("time limit: train.time_limit = 0.05 minutes reached") != std::string::npos);
  CHECK(log.str().find("valid  step " + std::to_string(r.steps)) != std::string::npos);  // the final validation
  CHECK(r.test_bleu >= 0.0);  // and the test
  Metadata meta;
  load_safetensors(run_file(run.path, "model.safetensors"), &meta);
  CHECK(meta.at("step") == std::to_string(r.steps));
}

TEST_CASE("trainer: a linear schedule without train.max_steps decays to 0 over train.time_limit") {
  RunDir run;
  Config c = tiny_config(run.path, "train", 0,
                         {"--optim.schedule=linear", "--optim.warmup=0", "--train.time_limit=0.05",  // 3 seconds
                          "--train.epochs=1000000", "--train.log_every=1", "--train.valid_every=1000000"});
  std::ostringstream log;
  const TrainResult r = train(c, Start::kNew, log);
  INFO(log.str());
  std::vector<double> rates;  // every step's learning rate, from metrics.jsonl
  std::ifstream in(run_file(run.path, "metrics.jsonl"));
  for (std::string line; std::getline(in, line);) {
    const nlohmann::json record = nlohmann::json::parse(line);
    if (record.contains("lr")) rates.push_back(record["lr"].get<double>());
  }
  REQUIRE(rates.size() == static_cast<size_t>(r.steps));
  REQUIRE(r.steps >= 10);
  const double peak = c.optim.lr;
  CHECK(rates.front() > 0.5 * peak);  // the budget has just begun
  CHECK(rates.front() <= peak * (1 + 1e-6));  // the log rounds the float to 7 digits
  for (size_t i = 1; i < rates.size(); ++i) CHECK(rates[i] <= rates[i - 1]);  // falls with the clock
  CHECK(rates.back() < 0.1 * peak);  // the last step is the one that crosses the budget
  CHECK(rates.back() >= 0.0);
}

TEST_CASE("trainer: a finished run directory survives a new train, and a directory in use is refused") {
  RunDir run;
  std::ostringstream log;
  train(tiny_config(run.path, "valid", 10), Start::kNew, log);
  const auto bytes = [&](const std::string& name) {
    std::ifstream in(run_file(run.path, name), std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  };
  const std::string weights = bytes("model.safetensors"), metrics = bytes("metrics.jsonl");
  const std::optional<RunStatus> status = run_status(run.path);
  REQUIRE(status);
  CHECK(status->finished);
  CHECK(status->step == 10);
  CHECK(status->finished_because == "train.max_steps reached");
  check_error([&] { train(tiny_config(run.path, "valid", 20), Start::kNew, log); },
              {run.path, "holds a run (finished at step 10)", "--resume", "--overwrite"});
  CHECK(bytes("model.safetensors") == weights);
  CHECK(bytes("metrics.jsonl") == metrics);
  {
    const RunDirectory held(run.path, Start::kResume, /*lock=*/true);  // as another process would
    check_error([&] { train(load_config(run_file(run.path, "config.ini"), {"--train.max_steps=20"}), Start::kResume, log); },
                {run.path, "in use by another minitrans process (pid " + std::to_string(::getpid()) + ")"});
    check_error([&] { train(tiny_config(run.path, "valid", 20), Start::kOverwrite, log); }, {"in use"});
  }
  CHECK(bytes("model.safetensors") == weights);
  // A resume with nothing left to do takes no step.
  const TrainResult none = train(load_config(run_file(run.path, "config.ini")), Start::kResume, log);
  CHECK(none.steps == 10);
  CHECK(bytes("model.safetensors") == weights);
  // A resume goes on past the finished record; --overwrite starts again.
  train(load_config(run_file(run.path, "config.ini"), {"--train.max_steps=15"}), Start::kResume, log);
  CHECK(run_status(run.path)->step == 15);
  fs::create_directories(run.path + "/notes");
  const TrainResult again = train(tiny_config(run.path, "valid", 5), Start::kOverwrite, log);
  CHECK(again.steps == 5);
  CHECK(!fs::exists(run_file(run.path, "optimizer-15.safetensors")));  // the old run's files went
  CHECK(fs::exists(run.path + "/notes"));                               // others stay
}

TEST_CASE("trainer: several corpora with weights train, each drawn as weighted") {
  RunDir run;
  const std::string toy_dir = std::string(MT_SOURCE_DIR) + "/data/toy/";
  Config c = tiny_config(run.path, "valid", 12, {"--data.train_src=", "--data.train_tgt="});
  c.data.corpora = toy_dir + "valid.src " + toy_dir + "valid.tgt, " + toy_dir + "test.src " + toy_dir + "test.tgt weight=0.5";
  std::ostringstream log;
  train(c, Start::kNew, log);
  INFO(log.str());
  CHECK(log.str().find("data: 1500 training pairs") != std::string::npos);
  std::ifstream in(run_file(run.path, "data.json"));
  const auto used = nlohmann::json::parse(in);
  CHECK(used["pairs"] == 1500);
  CHECK(used["prepared_set"].get<std::string>().find("/prepared/") != std::string::npos);
}

TEST_CASE("trainer: train.precision = auto is bf16 where the CPU has it and fp32 where not, and bf16 asked there names the option") {
  CHECK(resolve_precision(TrainPrecision::kAuto, kTrainPrecision, /*native=*/false) == Precision::kFp32);
  CHECK(resolve_precision(TrainPrecision::kAuto, kTrainPrecision, /*native=*/true) == Precision::kBf16);
  CHECK(resolve_precision(TrainPrecision::kFp32, kTrainPrecision, /*native=*/true) == Precision::kFp32);
  CHECK(resolve_precision(TrainPrecision::kBf16, kTrainPrecision, /*native=*/true) == Precision::kBf16);
  check_error([] { resolve_precision(TrainPrecision::kBf16, kTrainPrecision, /*native=*/false); },
              {"train.precision = bf16: this CPU has no bf16 products", "AVX512_BF16 or AMX",
               "give train.precision = fp32 or auto"});
}

// 200 toy steps: bf16 products reach the fp32 run's loss within 3% (measured on an Intel Xeon
// with AMX: 0.3% apart), the run directory keeps the resolved precision, and a resume in bf16
// equals the uninterrupted run bit for bit.
TEST_CASE("trainer: bf16 products train the toy to the fp32 loss, keep bf16 in config.ini, and resume bit for bit") {
  if (!bf16_is_native()) {
    MESSAGE("skipped: no bf16 products on this CPU (", matmul_library(), "; needs AVX512_BF16 or AMX)");
    return;
  }
  RunDir fp32, bf16, resumed;
  std::ostringstream log;
  train(tiny_config(fp32.path, "train", 200, {"--train.precision=fp32"}), Start::kNew, log);
  train(tiny_config(bf16.path, "train", 200, {"--train.precision=auto"}), Start::kNew, log);
  CHECK(log.str().find("bf16 products (train.precision = auto") != std::string::npos);
  CHECK(matmul_precision() == Precision::kFp32);  // restored when the trainer is done
  const double loss_fp32 = logged_losses(fp32.path).back(), loss_bf16 = logged_losses(bf16.path).back();
  MESSAGE("toy loss after 200 steps: fp32 ", loss_fp32, ", bf16 ", loss_bf16);
  CHECK(std::abs(loss_bf16 - loss_fp32) <= 0.03 * loss_fp32);
  CHECK(weight_difference(fp32.path, bf16.path) > 0.0);  // the products did run in bf16
  const Config kept = load_config(run_file(bf16.path, "config.ini"));
  CHECK(kept.train.precision == TrainPrecision::kBf16);

  train(tiny_config(resumed.path, "train", 100, {"--train.precision=bf16"}), Start::kNew, log);
  train(load_config(run_file(resumed.path, "config.ini"), {"--train.max_steps=200"}), Start::kResume, log);
  CHECK(weight_difference(bf16.path, resumed.path) == 0.0);
  CHECK(logged_losses(bf16.path).back() == logged_losses(resumed.path).back());
}
