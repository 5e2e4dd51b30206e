// The training loop; see trainer.h.
#include "train/trainer.h"

#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <iostream>
#include <nlohmann/json.hpp>

#include "autograd/check.h"
#include "autograd/threading.h"
#include "autograd/ops.h"
#include "autograd/profiler.h"
#include "autograd/random.h"
#include "data/atomic_file.h"
#include "data/batcher.h"
#include "data/parallel_corpus.h"
#include "data/text.h"
#include "train/checkpoint.h"
#include "train/evaluate.h"
#include "train/health.h"
#include "train/mask_check.h"
#include "train/plots.h"
#include "train/report.h"
#include "train/safetensors.h"
#include "train/schedule.h"

namespace mt {
namespace {

using Clock = std::chrono::steady_clock;

volatile std::sig_atomic_t g_stop_requested = 0;

// The 2-norm of every gradient together (what clipping would measure), for non-finite checks.
double gradient_norm(const std::vector<Tensor>& params) {
  double total = 0.0;
  for (const Tensor& p : params) {
    if (!p.grad().defined()) continue;
    const float* g = p.grad().data();
    for (int64_t i = 0; i < p.numel(); ++i) total += static_cast<double>(g[i]) * g[i];
  }
  return std::sqrt(total);
}

std::unique_ptr<Optimizer> make_optimizer(const OptimConfig& o, std::vector<Tensor> params) {
  if (o.optimizer == OptimizerKind::kSgd) return std::make_unique<Sgd>(params, SgdOptions{.lr = o.lr, .momentum = o.momentum,
                                                                              .weight_decay = o.weight_decay});
  const AdamOptions adam{.lr = o.lr, .beta1 = o.beta1, .beta2 = o.beta2, .eps = o.eps, .weight_decay = o.weight_decay};
  if (o.optimizer == OptimizerKind::kAdamW) return std::make_unique<AdamW>(params, adam);
  return std::make_unique<Adam>(params, adam);
}

std::string clock_text(double seconds) {
  const long s = std::lround(seconds);
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%ld:%02ld", s / 60, s % 60);
  return buffer;
}

// Appends one JSON object per call to metrics.jsonl; a failed write (disk full) throws, naming
// the file, rather than leaving a silent gap in the record.
class Metrics {
 public:
  explicit Metrics(const std::string& path) : path_(path), fd_(::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644)) {
    MT_CHECK(fd_ >= 0, path, ": cannot open for writing: ", std::strerror(errno));
  }
  ~Metrics() { ::close(fd_); }
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  void write(const std::string& json) {
    const std::string line = json + "\n";
    write_all(fd_, line.data(), line.size(), path_);
  }

 private:
  std::string path_;
  int fd_;
};

}  // namespace

std::vector<data::SentencePair> read_split(const DataConfig& d, const std::string& split) {
  const data::CorpusOptions options{.lowercase = d.lowercase};
  const std::string& src = split == "train" ? d.train_src : split == "valid" ? d.valid_src : d.test_src;
  const std::string& tgt = split == "train" ? d.train_tgt : split == "valid" ? d.valid_tgt : d.test_tgt;
  const std::string& tsv = split == "train" ? d.train_tsv : split == "valid" ? d.valid_tsv : d.test_tsv;
  if (!tsv.empty()) return data::read_tsv(tsv, options);
  if (!src.empty()) return data::read_parallel(src, tgt, options);
  return {};
}

void build_vocabularies(const Config& config, const std::vector<data::SentencePair>& train_pairs,
                        data::Vocab& src_vocab, data::Vocab& tgt_vocab) {
  const DataConfig& d = config.data;
  std::vector<std::vector<std::string>> src_sentences, tgt_sentences;
  for (const auto& p : train_pairs) {
    src_sentences.push_back(p.src);
    (d.shared_vocab ? src_sentences : tgt_sentences).push_back(p.tgt);
  }
  src_vocab = data::Vocab::build(src_sentences, d.min_freq, d.max_vocab);
  tgt_vocab = d.shared_vocab ? src_vocab : data::Vocab::build(tgt_sentences, d.min_freq, d.max_vocab);
}

void request_stop() { g_stop_requested = 1; }
void clear_stop_request() { g_stop_requested = 0; }

TrainResult train(const Config& config, bool resume, std::ostream& log) {
  const DataConfig& d = config.data;
  const TrainConfig& t = config.train;
  MT_CHECK(!d.train_tsv.empty() || !d.train_src.empty(), "config: give data.train_src and data.train_tgt, or ",
           "data.train_tsv");
  if (t.threads > 0) set_num_threads(static_cast<int>(t.threads));
  const std::string& dir = t.run_dir;
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  MT_CHECK(!error && std::filesystem::is_directory(dir), dir, ": cannot create the run directory: ", error.message());

  // Data and vocabularies (built from the training split, or the run's own when resuming).
  const std::vector<data::SentencePair> train_pairs = read_split(d, "train");
  const std::vector<data::SentencePair> valid_pairs = read_split(d, "valid");
  const std::vector<data::SentencePair> test_pairs = read_split(d, "test");
  data::Vocab src_vocab, tgt_vocab;
  if (resume) {
    src_vocab = data::Vocab::load(run_file(dir, "src_vocab.txt"));
    tgt_vocab = data::Vocab::load(run_file(dir, "tgt_vocab.txt"));
  } else {
    build_vocabularies(config, train_pairs, src_vocab, tgt_vocab);
    src_vocab.save(run_file(dir, "src_vocab.txt"));
    tgt_vocab.save(run_file(dir, "tgt_vocab.txt"));
  }
  write_file_atomically(run_file(dir, "config.ini"), to_ini(config));
  int64_t dropped = 0;
  const std::vector<data::Example> examples = data::encode_pairs(train_pairs, src_vocab, tgt_vocab, d.max_len, &dropped);
  MT_CHECK(!examples.empty(), "data: every training pair is longer than data.max_len = ", d.max_len);
  log << "data: " << examples.size() << " training pairs (" << dropped << " longer than " << d.max_len
      << " tokens dropped), " << valid_pairs.size() << " validation, " << test_pairs.size() << " test; vocabularies "
      << src_vocab.size() << " / " << tgt_vocab.size() << " tokens\n";

  // Model, optimizer, schedule; then the checkpoint when resuming.
  manual_seed(static_cast<uint64_t>(t.seed));
  nn::Transformer model(model_options(config, src_vocab.size(), tgt_vocab.size()));
  std::unique_ptr<Optimizer> optimizer = make_optimizer(config.optim, model.parameters());
  const Schedule schedule{.kind = config.optim.schedule, .lr = config.optim.lr,
                          .warmup = config.optim.warmup, .total = t.max_steps};
  TrainingState state;
  state.random_seed = random_seed();
  if (resume) {
    state = load_checkpoint(dir, model, *optimizer);
    set_random_state(state.random_seed, state.random_counter);
    log << "resumed " << dir << " at step " << state.step << " (epoch " << state.epoch + 1 << ")\n";
  } else {
    std::filesystem::remove(run_file(dir, "metrics.jsonl"));
    std::filesystem::remove(run_file(dir, "best_model.safetensors"));
  }
  log << "model: " << model.parameter_count() << " parameters, d_model " << config.model.layer.d_model << ", "
      << config.model.encoder_layers << "+" << config.model.decoder_layers << " layers; "
      << option_name(config.optim.optimizer) << ", " << option_name(config.optim.schedule) << " schedule, peak lr " << config.optim.lr << "; " << num_threads() << " threads\n";

  Metrics metrics(run_file(dir, "metrics.jsonl"));
  const data::Batcher batcher(examples, d.max_tokens, static_cast<uint64_t>(t.seed));
  const bool terminal = ::isatty(STDERR_FILENO) && &log == &std::cerr;
  const int64_t batches_per_epoch = static_cast<int64_t>(batcher.epoch_batches(0).size());
  const int64_t total_steps = t.max_steps > 0 ? std::min(t.max_steps, t.epochs * batches_per_epoch)
                                              : t.epochs * batches_per_epoch;
  const std::vector<data::SentencePair> bleu_pairs(
      valid_pairs.begin(), valid_pairs.begin() + std::min<int64_t>(t.valid_bleu_sentences, valid_pairs.size()));
  DecodeOptions decode{.beam = 1, .max_len = config.decode.max_len, .max_tokens = 4 * d.max_tokens};

  // Every write during training goes through `write_or_stop`: on a full disk or an
  // unwritable directory the run stops with the step, the file and the checkpoint that is kept.
  int64_t saved_step = resume ? state.step : -1;
  auto write_or_stop = [&](const std::function<void()>& write) {
    try {
      write();
    } catch (const Error& e) {
      throw Error(str("step ", state.step, ": ", e.what(), "; ",
                      saved_step >= 0 ? str("the checkpoint of step ", saved_step, " in ", dir, " is kept")
                                      : std::string("no checkpoint was saved yet")));
    }
  };
  auto checkpoint = [&] {
    write_or_stop([&] { save_checkpoint(dir, model, *optimizer, state); });
    saved_step = state.step;
  };
  auto record = [&](const std::string& json) { write_or_stop([&] { metrics.write(json); }); };

  TrainResult result;
  const int64_t first_step = state.step;
  const auto start = Clock::now();
  double window_loss = 0.0;
  int64_t window_steps = 0, window_tokens = 0;
  auto window_start = Clock::now();
  bool stop = false;

  auto validate_and_save = [&] {
    const ProfilePause not_a_training_step;
    state.random_counter = random_counter();
    if (!valid_pairs.empty()) {
      const double valid_loss = teacher_forced_loss(model, src_vocab, tgt_vocab, valid_pairs, d.max_tokens);
      double bleu = -1.0;
      if (!bleu_pairs.empty()) {
        const EvalResult e = evaluate(model, src_vocab, tgt_vocab, bleu_pairs, decode);
        bleu = e.bleu.score;
        nlohmann::json samples = nlohmann::json::array();  // a few translations, for the run report
        for (size_t i = 0; i < std::min<size_t>(3, e.hypotheses.size()); ++i) {
          samples.push_back({{"src", data::join(bleu_pairs[i].src)}, {"ref", e.references[i]}, {"hyp", e.hypotheses[i]}});
        }
        record(nlohmann::json{{"step", state.step}, {"samples", samples}}.dump());
      }
      const bool best = valid_loss < state.best_valid_loss;
      if (best) {
        state.best_valid_loss = valid_loss;
        state.bad_validations = 0;
        write_or_stop([&] {
          save_weights(model, run_file(dir, "best_model.safetensors"), {{"step", std::to_string(state.step)}});
        });
      } else {
        ++state.bad_validations;
      }
      char line[256];
      std::snprintf(line, sizeof(line), "valid  step %lld  loss %.4f  ppl %.2f  BLEU %.2f%s", (long long)state.step,
                    valid_loss, std::exp(valid_loss), bleu, best ? "  (best, saved)" : "");
      log << (terminal ? "\r\033[K" : "") << line << "\n";
      record(str("{\"step\": ", state.step, ", \"valid_loss\": ", valid_loss, ", \"valid_ppl\": ",
                 std::exp(valid_loss), ", \"valid_bleu\": ", bleu, "}"));
      if (t.patience > 0 && state.bad_validations >= t.patience) {
        log << "early stop: no better validation loss in " << t.patience << " validations\n";
        stop = true;
      }
    }
    checkpoint();
  };

  model.train();
  MaskChecker mask_checker(model, data::Vocab::kPad);
  HealthMonitor health(model);
  if (t.check_masks) log << "mask checks on: every batch's attention and loss masks are verified\n";
  if (t.profile) set_profiling(true);
  while (!stop && state.epoch < t.epochs && (t.max_steps == 0 || state.step < t.max_steps)) {
    const std::vector<std::vector<int64_t>> batches = batcher.epoch_batches(state.epoch);
    for (; state.batch_in_epoch < static_cast<int64_t>(batches.size()); ++state.batch_in_epoch) {
      if (stop || (t.max_steps > 0 && state.step >= t.max_steps)) break;
      const data::Batch batch = data::make_batch(examples, batches[state.batch_in_epoch]);
      // Watchers of this forward pass: the mask checks, and the health monitor on log steps.
      const bool health_now = t.health && (state.step + 1) % t.log_every == 0;
      nn::ObserverList watchers;
      if (t.check_masks) watchers.add(mask_checker);
      if (health_now) watchers.add(health);
      nn::TargetLogits out;  // logits [R, V] at the R non-pad targets
      if (!watchers.empty()) {
        const nn::ObserverScope watching(watchers);
        out = model.forward_targets(batch.src, batch.src_layout, batch.tgt_in, batch.tgt_layout, batch.tgt_out);
      } else {
        out = model.forward_targets(batch.src, batch.src_layout, batch.tgt_in, batch.tgt_layout, batch.tgt_out);
      }
      int64_t counted = 0;
      const Tensor loss =
          cross_entropy(out.logits, out.targets, data::Vocab::kPad, config.optim.label_smoothing, &counted);
      if (t.check_masks) MaskChecker::check_loss(batch.tgt_out, counted, data::Vocab::kPad, batch.tgt_in.shape[0]);
      optimizer->zero_grad();
      loss.backward();
      if (health_now) health.read_gradients();
      const double norm = config.optim.clip_norm > 0.0f ? clip_grad_norm(model.parameters(), config.optim.clip_norm)
                                                        : gradient_norm(model.parameters());
      if (!std::isfinite(loss.item()) || !std::isfinite(norm)) {
        // Never let a NaN or Inf reach the weights: stop, or drop this batch's update.
        const std::string what = str(std::isfinite(loss.item()) ? "gradient norm" : "loss", " is ",
                                     std::isfinite(loss.item()) ? norm : loss.item());
        MT_CHECK(t.nonfinite == NonFinite::kSkip, "step ", state.step + 1, ": the ", what,
                 " (train.nonfinite = stop); the last checkpoint in ", dir, " is untouched");
        ++state.skipped_steps;
        optimizer->zero_grad();
        log << (terminal ? "\r\033[K" : "") << "step " << state.step + 1 << ": the " << what << ", skipped ("
            << state.skipped_steps << " so far)\n";
        record(str("{\"step\": ", state.step + 1, ", \"skipped\": \"", what, "\", \"skipped_steps\": ",
                   state.skipped_steps, "}"));
        continue;
      }
      const float lr = schedule.at(state.step + 1);
      optimizer->set_lr(lr);
      if (health_now) health.before_step();
      optimizer->step();
      ++state.step;
      if (health_now) {
        const HealthReport report = health.after_step(state.step, lr);
        log << (terminal ? "\r\033[K" : "") << report.summary();
        record(report.json());
      }

      result.last_loss = loss.item();
      window_loss += result.last_loss;
      window_tokens += batch.tgt_tokens;
      ++window_steps;
      const bool log_now = state.step % t.log_every == 0 || state.step == total_steps;
      if (log_now || terminal) {
        const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
        const double window = std::chrono::duration<double>(Clock::now() - window_start).count();
        const double tokens_per_s = window > 0 ? window_tokens / window : 0.0;
        const double eta = state.step > 0 ? elapsed / state.step * std::max<int64_t>(0, total_steps - state.step) : 0.0;
        char line[256];
        if (terminal) {
          const int width = 24, filled = static_cast<int>(width * std::min(1.0, double(state.step) / total_steps));
          std::snprintf(line, sizeof(line), "\r\033[K[%s%s] step %lld/%lld  loss %.4f  %.0f tok/s  lr %.2e  ETA %s",
                        std::string(filled, '#').c_str(), std::string(width - filled, '.').c_str(),
                        (long long)state.step, (long long)total_steps, window_loss / window_steps, tokens_per_s, lr,
                        clock_text(eta).c_str());
          log << line << std::flush;
        }
        if (log_now) {
          if (!terminal) {
            std::snprintf(line, sizeof(line), "step %lld/%lld  epoch %lld  loss %.4f  lr %.2e  %.0f tok/s  elapsed %s",
                          (long long)state.step, (long long)total_steps, (long long)state.epoch + 1,
                          window_loss / window_steps, lr, tokens_per_s, clock_text(elapsed).c_str());
            log << line << "\n";
          }
          record(str("{\"step\": ", state.step, ", \"epoch\": ", state.epoch + 1, ", \"loss\": ",
                     window_loss / window_steps, ", \"lr\": ", lr, ", \"tokens_per_s\": ", tokens_per_s,
                     ", \"elapsed_s\": ", elapsed, "}"));
          window_loss = 0.0;
          window_steps = window_tokens = 0;
          window_start = Clock::now();
        }
      }
      if (state.step % t.valid_every == 0 || g_stop_requested) {
        ++state.batch_in_epoch;  // the checkpoint resumes after this batch
        if (state.step % t.valid_every == 0) validate_and_save();
        if (g_stop_requested) {
          if (state.step % t.valid_every != 0) {
            state.random_counter = random_counter();
            checkpoint();
          }
          stop = result.interrupted = true;
        }
        --state.batch_in_epoch;
      }
    }
    if (state.batch_in_epoch >= static_cast<int64_t>(batches.size())) {
      ++state.epoch;
      state.batch_in_epoch = 0;
    }
  }
  result.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  result.skipped_steps = state.skipped_steps;
  if (terminal) log << "\n";
  if (t.profile) {
    set_profiling(false);
    log << "op profile of the " << state.step - first_step << " training steps (forward, backward, optimizer; "
        << "validation not counted):\n" << profile_report(std::max<int64_t>(1, state.step - first_step));
  }
  auto draw_curves = [&] {
    const std::string path = run_file(dir, "curves.svg");
    write_or_stop([&] { write_file_atomically(path, curves_svg(run_file(dir, "metrics.jsonl"))); });
  };
  if (result.interrupted) {
    log << "stopped at step " << state.step << " on request; checkpoint saved in " << dir << " (continue with: minitrans train --resume "
        << dir << ")\n";
    result.steps = state.step;
    result.best_valid_loss = state.best_valid_loss;
    draw_curves();
    return result;
  }
  if (state.step % t.valid_every != 0) validate_and_save();  // the final state, validated once
  draw_curves();
  result.steps = state.step;
  result.best_valid_loss = state.best_valid_loss;
  const int64_t done = state.step - first_step;
  log << "trained " << done << " steps" << (first_step > 0 ? str(" (to step ", state.step, ")") : "") << " in "
      << clock_text(result.seconds) << " (" << (done > 0 ? result.seconds * 1000.0 / done : 0.0)
      << " ms/step); run directory " << dir << "\n";

  if (!test_pairs.empty()) {
    LoadedModel best = load_for_inference(dir);
    const DecodeOptions test_decode{.beam = config.decode.beam, .length_penalty = config.decode.length_penalty,
                                    .max_len = config.decode.max_len, .max_tokens = 4 * d.max_tokens};
    const EvalResult r = evaluate(*best.model, best.src_vocab, best.tgt_vocab, test_pairs, test_decode);
    for (int64_t i = 0; i < std::min<int64_t>(t.show_translations, r.sentences); ++i) {
      log << "  src: " << data::join(test_pairs[i].src) << "\n  ref: " << r.references[i]
          << "\n  hyp: " << r.hypotheses[i] << (r.hypotheses[i] == r.references[i] ? "  (exact)" : "") << "\n";
    }
    char line[256];
    std::snprintf(line, sizeof(line), "test: %lld sentences  BLEU %.2f  exact match %.2f%%  loss %.4f  ppl %.3f",
                  (long long)r.sentences, r.bleu.score, 100.0 * r.exact_match, r.loss, r.perplexity);
    log << line << "\n";
    result.test_bleu = r.bleu.score;
    result.test_exact_match = r.exact_match;
    record(str("{\"step\": ", state.step, ", \"test_bleu\": ", r.bleu.score, ", \"test_exact_match\": ", r.exact_match,
               ", \"test_loss\": ", r.loss, ", \"test_sentences\": ", r.sentences, "}"));
  }
  write_or_stop([&] { write_file_atomically(run_file(dir, "report.html"), run_report(dir)); });
  log << "report: " << run_file(dir, "report.html") << "\n";
  return result;
}

}  // namespace mt
