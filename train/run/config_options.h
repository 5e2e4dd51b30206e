// The one list of every option (visit_options: key, field, help line), the names of the enum
// options' values, and how a value is written: shared by the parser (config.cpp) and the checks
// (config_check.cpp). Internal to train/run; read config.h for the interface.
#pragma once

#include <charconv>
#include <exception>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "train/run/config.h"

namespace mt::config_detail {

// The options of each section: key, field, help line.
template <typename C, typename Visit>
void visit_model_options(C& c, const Visit& v) {
  v("model.d_model", c.model.layer.d_model, "model width D (divisible by model.heads)");
  v("model.heads", c.model.layer.heads, "attention heads H");
  v("model.encoder_layers", c.model.encoder_layers, "layers in the encoder");
  v("model.decoder_layers", c.model.decoder_layers, "layers in the decoder");
  v("model.ff_dim", c.model.layer.ff_dim, "feed-forward width F");
  v("model.dropout", c.model.layer.dropout, "dropout probability, in [0, 1)");
  v("model.attention_dropout", c.model.layer.attention_dropout,
    "dropout on the attention weights, in [0, 1); -1: model.dropout");
  v("model.activation_dropout", c.model.layer.activation_dropout,
    "dropout on the feed-forward's activation, in [0, 1); -1: model.dropout");
  v("model.activation", c.model.layer.activation, "feed-forward activation: relu or gelu");
  v("model.attention", c.model.layer.attention,
    "attention op: fused (fast), or reference (composed of ordinary ops: to read, step through, gradcheck)");
  v("model.feed_forward", c.model.layer.feed_forward, "feed-forward block: standard, or one a program registered");
  v("model.norm", c.model.layer.norm, "norm of every layer: layer_norm, or one a program registered");
  v("model.norm_first", c.model.layer.norm_first, "pre-LN layers instead of post-LN");
  v("model.tie_output", c.model.tie_output, "share the target embedding with the output projection");
  v("model.tie_embeddings", c.model.tie_embeddings,
    "share one embedding table between source and target (needs data.shared_vocab = true)");
  v("model.learned_positions", c.model.learned_positions, "learned positions instead of sinusoids");
  v("model.max_positions", c.model.max_positions, "longest sequence the positions cover");
  v("model.embedding_init", c.model.embedding_init,
    "embedding tables: normal (N(0,1), as torch.nn.Embedding) or scaled (N(0,1/D), as Vaswani et al. and fairseq)");
}

template <typename C, typename Visit>
void visit_data_options(C& c, const Visit& v) {
  v("data.train_src", c.data.train.src, "training source file, one sentence per line");
  v("data.train_tgt", c.data.train.tgt, "training target file, aligned with train_src");
  v("data.valid_src", c.data.valid.src, "validation source file");
  v("data.valid_tgt", c.data.valid.tgt, "validation target file");
  v("data.test_src", c.data.test.src, "test source file (evaluated at the end of training)");
  v("data.test_tgt", c.data.test.tgt, "test target file");
  v("data.train_tsv", c.data.train.tsv, "training pairs as source<TAB>target (instead of train_src/train_tgt)");
  v("data.valid_tsv", c.data.valid.tsv, "validation pairs as TSV");
  v("data.test_tsv", c.data.test.tsv, "test pairs as TSV");
  v("data.corpora", c.data.corpora,
    "several training corpora instead of train_src/_tgt or train_tsv: a comma-separated list of 'SRC TGT' "
    "or 'FILE.tsv', each optionally followed by weight=W (each pair drawn W times per epoch; 0.5: half of them)");
  v("data.cache_dir", c.data.cache_dir,
    "where prepared training sets are kept and shared between runs (empty: $MINITRANS_CACHE, else "
    "$XDG_CACHE_HOME/minitrans, else ~/.cache/minitrans)");
  v("data.lowercase", c.data.lowercase, "lowercase every side (Unicode), references included");
  v("data.tokenizer", c.data.tokenizer, "whitespace (words) or sentencepiece (subword pieces of raw text)");
  v("data.spm_type", c.data.spm_type, "SentencePiece model trained when none is given: unigram or bpe");
  v("data.spm_vocab_size", c.data.spm_vocab_size, "pieces of a SentencePiece model trained here");
  v("data.spm_character_coverage", c.data.spm_character_coverage,
    "share of the training characters a trained SentencePiece model covers, in (0, 1]");
  v("data.spm_model", c.data.spm_model,
    "joint SentencePiece model to load (with data.shared_vocab; empty: train one into the run directory)");
  v("data.spm_src_model", c.data.spm_src_model, "source SentencePiece model to load (empty: train one)");
  v("data.spm_tgt_model", c.data.spm_tgt_model, "target SentencePiece model to load (empty: train one)");
  v("data.spm_alpha", c.data.spm_alpha,
    "subword sampling at training time (unigram: smoothing, bpe: dropout), never at validation or test; 0: off");
  v("data.min_freq", c.data.min_freq, "fewest occurrences for a token to enter a vocabulary");
  v("data.max_vocab", c.data.max_vocab, "largest vocabulary, specials included (0: no limit)");
  v("data.shared_vocab", c.data.shared_vocab, "one vocabulary for source and target");
  v("data.max_len", c.data.max_len, "longest training sentence in tokens (a target with its <eos>); longer pairs are skipped");
  v("data.max_ratio", c.data.max_ratio,
    "training pairs whose longer side has more than this many times the tokens of the shorter are skipped (0: no limit)");
  v("data.bad_pairs", c.data.bad_pairs,
    "a training pair with an empty side, too long, or of too high a length ratio: skip (and count it) or error");
  v("data.spm_max_lines", c.data.spm_max_lines,
    "lines a SentencePiece model is trained on, a seeded uniform sample of the training corpora (both sides "
    "together for a joint model; 0: every line)");
  v("data.max_tokens", c.data.max_tokens, "padded tokens per batch (the batch size)");
}

template <typename C, typename Visit>
void visit_optim_options(C& c, const Visit& v) {
  v("optim.optimizer", c.optim.optimizer, "adam, adamw or sgd");
  v("optim.lr", c.optim.lr, "learning rate (the peak, for warmup schedules)");
  v("optim.beta1", c.optim.beta1, "Adam beta1");
  v("optim.beta2", c.optim.beta2, "Adam beta2");
  v("optim.eps", c.optim.eps, "Adam epsilon");
  v("optim.weight_decay", c.optim.weight_decay, "weight decay (L2 for adam and sgd, decoupled for adamw)");
  v("optim.momentum", c.optim.momentum, "SGD momentum");
  v("optim.clip_norm", c.optim.clip_norm, "clip gradients to this global norm (0: no clipping)");
  v("optim.label_smoothing", c.optim.label_smoothing, "label smoothing of the training loss, in [0, 1)");
  v("optim.schedule", c.optim.schedule,
    "learning-rate schedule: constant, noam, linear or cosine (these two decay to 0 at train.max_steps, or "
    "without it at the end of train.time_limit)");
  v("optim.warmup", c.optim.warmup, "warmup steps");
}

template <typename C, typename Visit>
void visit_train_options(C& c, const Visit& v) {
  v("train.run_dir", c.train.run_dir, "directory for checkpoints, vocabularies, config and metrics");
  v("train.seed", c.train.seed, "random seed (weights, dropout, batch order)");
  v("train.epochs", c.train.epochs, "passes over the training data");
  v("train.max_steps", c.train.max_steps, "stop after this many steps (0: no limit)");
  v("train.threads", c.train.threads, "threads per process (0: all cores, shared among the ranks of a machine)");
  v("train.accumulate", c.train.accumulate, "micro-batches per batch, their gradients added before one update "
    "(under mpirun: a multiple of the ranks, which share them; 1 gives each rank one)");
  v("train.log_every", c.train.log_every, "steps between log lines");
  v("train.valid_every", c.train.valid_every, "steps between validations and checkpoints");
  v("train.valid_bleu_sentences", c.train.valid_bleu_sentences,
    "validation sentences decoded for BLEU when train.best_metric = loss (0: none)");
  v("train.best_metric", c.train.best_metric,
    "what chooses the best checkpoint and stops early: loss, or bleu or chrf (greedy, the whole validation set)");
  v("train.patience", c.train.patience, "validations without improvement before stopping (0: never)");
  v("train.keep_last", c.train.keep_last,
    "keep the weights of the last N checkpoints (checkpoint-STEP.safetensors) for minitrans average (0: none)");
  v("train.snapshot_minutes", c.train.snapshot_minutes,
    "every this many minutes of the training clock, keep the weights validation sees as snapshot-STEP.safetensors "
    "(0: none)");
  v("train.show_translations", c.train.show_translations, "test translations printed after training");
  v("train.check_masks", c.train.check_masks,
    "check every training batch's attention and loss masks (slower; on by default in debug builds)");
  v("train.health", c.train.health,
    "log gradient norms, update/weight ratios and attention entropy per layer at every log step");
  v("train.profile", c.train.profile, "print the time per op kind, forward and backward, of the training steps");
  v("train.nonfinite", c.train.nonfinite, "on a NaN or Inf loss or gradient: stop (with a message) or skip the step");
  v("train.time_limit", c.train.time_limit,
    "minutes of training: stop after the step that crosses it, then validate, save and test (0: no limit)");
  v("train.ema", c.train.ema,
    "decay of an exponential moving average of the weights, validated, kept and tested instead (0: off)");
  v("train.precision", c.train.precision,
    "matrix products: fp32, bf16 (bf16 operands, fp32 sums; needs AVX512_BF16 or AMX) or auto (bf16 where the CPU "
    "has it)");
}

// Every option: key, field, help line. Sections follow the key's prefix.
template <typename C, typename Visit>
void visit_options(C& c, const Visit& v) {
  visit_model_options(c, v);
  visit_data_options(c, v);
  visit_optim_options(c, v);
  visit_train_options(c, v);
  v("decode.beam", c.decode.beam, "beam size (1: greedy)");
  v("decode.length_penalty", c.decode.length_penalty, "beam search length normalization exponent");
  v("decode.max_len_a", c.decode.max_len_a,
    "output length limit: at most max_len_a x source tokens + max_len_b tokens (within model.max_positions)");
  v("decode.max_len_b", c.decode.max_len_b, "the constant part of the output length limit");
}

// The names of an enum's values as a config file spells them, in the order help lists them.
template <typename E>
using Choices = std::vector<std::pair<std::string, E>>;
inline const Choices<nn::Activation>& choices(nn::Activation*) {
  static const Choices<nn::Activation> c{{"relu", nn::Activation::kRelu}, {"gelu", nn::Activation::kGelu}};
  return c;
}
inline const Choices<nn::AttentionImpl>& choices(nn::AttentionImpl*) {
  static const Choices<nn::AttentionImpl> c{{"fused", nn::AttentionImpl::kFused},
                                            {"reference", nn::AttentionImpl::kReference}};
  return c;
}
inline const Choices<nn::EmbeddingInit>& choices(nn::EmbeddingInit*) {
  static const Choices<nn::EmbeddingInit> c{{"normal", nn::EmbeddingInit::kNormal},
                                            {"scaled", nn::EmbeddingInit::kScaled}};
  return c;
}
inline const Choices<TokenizerKind>& choices(TokenizerKind*) {
  static const Choices<TokenizerKind> c{{"whitespace", TokenizerKind::kWhitespace},
                                        {"sentencepiece", TokenizerKind::kSentencePiece}};
  return c;
}
inline const Choices<BadPairs>& choices(BadPairs*) {
  static const Choices<BadPairs> c{{"skip", BadPairs::kSkip}, {"error", BadPairs::kError}};
  return c;
}
inline const Choices<data::SubwordModel>& choices(data::SubwordModel*) {
  static const Choices<data::SubwordModel> c{{"unigram", data::SubwordModel::kUnigram},
                                             {"bpe", data::SubwordModel::kBpe}};
  return c;
}
inline const Choices<OptimizerKind>& choices(OptimizerKind*) {
  static const Choices<OptimizerKind> c{
      {"adam", OptimizerKind::kAdam}, {"adamw", OptimizerKind::kAdamW}, {"sgd", OptimizerKind::kSgd}};
  return c;
}
inline const Choices<ScheduleKind>& choices(ScheduleKind*) {
  static const Choices<ScheduleKind> c{{"constant", ScheduleKind::kConstant}, {"noam", ScheduleKind::kNoam},
                                       {"linear", ScheduleKind::kLinear}, {"cosine", ScheduleKind::kCosine}};
  return c;
}
inline const Choices<BestMetric>& choices(BestMetric*) {
  static const Choices<BestMetric> c{{"loss", BestMetric::kLoss}, {"bleu", BestMetric::kBleu}, {"chrf", BestMetric::kChrf}};
  return c;
}
inline const Choices<TrainPrecision>& choices(TrainPrecision*) {
  static const Choices<TrainPrecision> c{
      {"fp32", TrainPrecision::kFp32}, {"bf16", TrainPrecision::kBf16}, {"auto", TrainPrecision::kAuto}};
  return c;
}
inline const Choices<NonFinite>& choices(NonFinite*) {
  static const Choices<NonFinite> c{{"stop", NonFinite::kStop}, {"skip", NonFinite::kSkip}};
  return c;
}

template <typename E>
std::string choice_name(E value) {
  for (const auto& [name, v] : choices(static_cast<E*>(nullptr))) {
    if (v == value) return name;
  }
  return "?";
}

// "a, b or c"
template <typename E>
std::string choice_list() {
  const auto& c = choices(static_cast<E*>(nullptr));
  std::string list;
  for (size_t i = 0; i < c.size(); ++i) list += (i == 0 ? "" : i + 1 == c.size() ? " or " : ", ") + c[i].first;
  return list;
}

// A value that is none of an option's names; parse_train_config adds where it came from.
struct BadChoice : std::exception {
  BadChoice(std::string k, std::string v, std::string a)
      : key(std::move(k)), value(std::move(v)), allowed(std::move(a)) {}
  const char* what() const noexcept override { return "not one of the option's values"; }
  std::string key, value, allowed;
};

template <typename E>
E parse_choice(const std::string& key, const std::string& text) {
  for (const auto& [name, v] : choices(static_cast<E*>(nullptr))) {
    if (name == text) return v;
  }
  throw BadChoice(key, text, choice_list<E>());
}

template <typename T>
std::string format(const T& value) {
  if constexpr (std::is_enum_v<T>) {
    return choice_name(value);
  } else if constexpr (std::is_same_v<T, bool>) {
    return value ? "true" : "false";
  } else if constexpr (std::is_same_v<T, std::string>) {
    return value;
  } else if constexpr (std::is_floating_point_v<T>) {
    char buffer[64];
    const auto result = std::to_chars(buffer, buffer + sizeof(buffer), value);  // shortest round trip
    return std::string(buffer, result.ptr);
  } else {
    return std::to_string(value);
  }
}


/// Range and consistency checks of a parsed config; errors name where each value came from.
void validate(const Config& c);

}  // namespace mt::config_detail
