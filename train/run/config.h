// The training configuration: parsed once into typed structs (Boost.Program_options reads the
// INI file and the command line), then passed down; no layer looks up a string key. Sections
// [model] [data] [optim] [train] [decode]; every option has a default and a help line.
// Command-line overrides (--section.key=value) win over the file. Mistakes (unknown key, wrong
// type, value out of range) are mt::Errors naming the file and line (or "command line") and
// the key. Read next: ../loop/trainer.h.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "data/cleaning.h"
#include "data/parallel_corpus.h"
#include "data/tokenizer.h"
#include "nn/transformer.h"
#include "train/optim/schedule.h"

namespace mt {

enum class TokenizerKind { kWhitespace, kSentencePiece };
/// What preparing the training set does with a pair that cleaning skips (data/cleaning.h).
enum class BadPairs { kSkip, kError };

/// The files of one split (keys data.SPLIT_src, data.SPLIT_tgt, data.SPLIT_tsv): two aligned
/// files, plain or .gz, or one file of source<TAB>target lines; all empty: no such split.
struct SplitFiles {
  std::string src, tgt;
  std::string tsv;
};

struct DataConfig {
  SplitFiles train, valid, test;
  std::string corpora;  // several training corpora: "SRC TGT [weight=W], TSV [weight=W], ..."
  std::string cache_dir;  // where prepared training sets live; "": default_cache_dir()
  bool lowercase = false;  // Unicode lowercasing of every side, references included
  TokenizerKind tokenizer = TokenizerKind::kWhitespace;
  data::SubwordModel spm_type = data::SubwordModel::kUnigram;
  int64_t spm_vocab_size = 8000;
  float spm_character_coverage = 1.0f;
  std::string spm_model;                  // a joint model to load (shared_vocab); "": train one
  std::string spm_src_model, spm_tgt_model;  // separate models to load; "": train them
  float spm_alpha = 0.0f;                 // subword sampling at training time; 0: none
  int64_t min_freq = 1;
  int64_t max_vocab = 0;  // 0: no limit
  bool shared_vocab = false;
  int64_t max_len = 100;  // longer training pairs are skipped (and counted)
  float max_ratio = 9.0f;  // training pairs whose sides' lengths differ more are skipped; 0: no limit
  BadPairs bad_pairs = BadPairs::kSkip;
  int64_t spm_max_lines = 2000000;  // lines a SentencePiece model is trained on (a seeded sample); 0: all
  int64_t max_tokens = 2048;  // padded tokens per batch
};

enum class OptimizerKind { kAdam, kAdamW, kSgd };
/// What training does with a NaN or Inf loss or gradient.
enum class NonFinite { kStop, kSkip };
enum class BestMetric { kLoss, kBleu, kChrf };  // what chooses the best checkpoint and stops early
/// The number format of the matrix products (autograd/precision.h); auto: bf16 where this CPU
/// runs it natively, else fp32.
enum class TrainPrecision { kFp32, kBf16, kAuto };

struct OptimConfig {
  OptimizerKind optimizer = OptimizerKind::kAdam;
  float lr = 1e-3f;
  float beta1 = 0.9f;
  float beta2 = 0.98f;
  float eps = 1e-9f;
  float weight_decay = 0.0f;
  float momentum = 0.0f;
  float clip_norm = 1.0f;  // 0: no clipping
  float label_smoothing = 0.1f;
  ScheduleKind schedule = ScheduleKind::kNoam;
  int64_t warmup = 400;
};

struct TrainConfig {
  std::string run_dir = "runs/run";
  int64_t seed = 1;
  int64_t epochs = 10;
  int64_t max_steps = 0;  // 0: no limit (epochs decide)
  int64_t threads = 0;    // 0: all cores (under mpirun: the cores of a machine shared among its ranks)
  int64_t accumulate = 1; // micro-batches per step, their gradients added before one update
  int64_t log_every = 50;
  int64_t valid_every = 500;
  int64_t valid_bleu_sentences = 200;  // how many validation sentences are decoded for BLEU (best_metric = loss)
  BestMetric best_metric = BestMetric::kLoss;  // bleu and chrf decode the whole validation set
  int64_t patience = 0;   // validations without improvement before stopping; 0: never stop early
  int64_t keep_last = 0;  // weights of the last N checkpoints kept for `minitrans average`; 0: none
  float snapshot_minutes = 0.0f;  // the weights validation sees, kept every this many minutes; 0: none
  int64_t show_translations = 5;  // test translations printed at the end
  bool profile = false;             // op profile of the training steps, printed at the end
  bool health = true;               // the health monitor (health.h) at every log step
#ifdef NDEBUG
  bool check_masks = false;         // mask sanity checks (mask_check.h): on in debug builds
#else
  bool check_masks = true;
#endif
  NonFinite nonfinite = NonFinite::kStop;  // stop the run (with a message), or skip the step
  float time_limit = 0.0f;  // minutes of training, then the final validation and test; 0: none
  float ema = 0.0f;         // decay of the weights' exponential moving average; 0: none
  TrainPrecision precision = TrainPrecision::kFp32;  // a run directory's config.ini holds fp32 or bf16, never auto
};

struct DecodeConfig {
  int64_t beam = 1;
  float length_penalty = 1.0f;
  float max_len_a = 0.0f;   // output at most max_len_a · |source| + max_len_b tokens,
  int64_t max_len_b = 100;  // within the model's positions
};

struct Config {
  /// The [model] section binds straight to the model's own options and their defaults
  /// (nn/transformer.h, nn/layer_options.h); the vocabulary sizes are filled in when the
  /// vocabularies are known.
  nn::TransformerOptions model;
  DataConfig data;
  OptimConfig optim;
  TrainConfig train;
  DecodeConfig decode;
  /// Where each option's value came from: "default", "FILE:LINE" or "command line".
  std::map<std::string, std::string> source;
  /// One line for each renamed key given by its old name ("FILE:LINE: decode.max_len is now ...").
  std::vector<std::string> deprecations;
};

/// The training corpora: data.corpora, or the one corpus of data.train_src/_tgt or data.train_tsv.
/// A malformed list is an error naming the corpus and what is wrong.
std::vector<data::CorpusFiles> training_corpora(const DataConfig& data);

/// Decoding and scoring batches hold this many times data.max_tokens: they keep no gradients and
/// no activations for a backward pass, so a larger batch fits where a training batch did.
constexpr int64_t kInferenceBatchScale = 4;
/// The token budget of a decoding or scoring batch: kInferenceBatchScale x data.max_tokens.
inline int64_t inference_batch_tokens(const DataConfig& d) { return kInferenceBatchScale * d.max_tokens; }

/// The cleaning of the training corpora the data options ask for (data.max_len, data.max_ratio).
inline data::CleaningOptions cleaning_options(const DataConfig& d) { return {.max_len = d.max_len, .max_ratio = d.max_ratio}; }

/// Where prepared training sets live when data.cache_dir is empty: $MINITRANS_CACHE, else
/// $XDG_CACHE_HOME/minitrans, else ~/.cache/minitrans.
std::string default_cache_dir();

/// Parses `minitrans train` arguments (without the subcommand): --config FILE and
/// --section.key=value overrides. Throws mt::Error for every mistake.
Config parse_train_config(const std::vector<std::string>& args, std::string* help = nullptr);

/// Reads a config file alone (e.g. a run directory's config.ini), with optional overrides.
Config load_config(const std::string& path, const std::vector<std::string>& overrides = {});

/// The whole configuration as an INI file (every option, resolved), for the run directory.
std::string to_ini(const Config& config);

/// Every effective option with where it came from, one per line, aligned:
/// "model.d_model = 64   # configs/toy.ini:7" (or "# default", "# command line").
std::string describe_config(const Config& config);

/// The valid option nearest to an unknown `key` by edit distance ("model.d_modle" ->
/// "model.d_model"), or "" when none is close.
std::string nearest_option(const std::string& key);

/// The help text listing every option with its default.
std::string config_help();

/// The name a config file uses for an enum value ("adamw", "cosine", "gelu", ...).
std::string option_name(OptimizerKind kind);
std::string option_name(ScheduleKind kind);
std::string option_name(data::SubwordModel kind);
std::string option_name(BestMetric metric);

/// The message for a Boost.Program_options error, built without calling its what(): Boost's
/// placeholder substitution there never ends when a value contains a placeholder (found by
/// fuzz/fuzz_config.cpp). Other exceptions give their what().
std::string option_error_message(const std::exception& e);

}  // namespace mt
