// The checks of a parsed config and the nearest-key suggestion; see config.h.
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

#include "autograd/check.h"
#include "nn/feed_forward.h"
#include "nn/layer_norm.h"
#include "train/run/config_options.h"

namespace mt {
namespace config_detail {
namespace {

size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<size_t> before(b.size() + 1), previous(b.size() + 1), current(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) previous[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    current[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      current[j] = std::min({previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] != b[j - 1])});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) current[j] = std::min(current[j], before[j - 2] + 1);
    }
    std::swap(before, previous);
    std::swap(previous, current);
  }
  return previous[b.size()];
}

// Where a key's value came from, and checks that name it.
class Checker {
 public:
  explicit Checker(const Config& c) : c_(c) {}
  std::string at(const std::string& key) const {
    auto it = c_.source.find(key);
    const std::string where = it == c_.source.end() ? "default" : it->second;
    return str(where == "default" ? "default value" : where, ": ", key);
  }
  template <typename T>
  void require(bool ok, const std::string& key, const std::string& what, const T& value) const {
    MT_CHECK(ok, at(key), " must be ", what, ", got ", value);
  }

 private:
  const Config& c_;
};

void validate_model(const Config& c, const Checker& k) {
  const nn::LayerOptions& m = c.model.layer;
  k.require(m.d_model >= 1, "model.d_model", ">= 1", m.d_model);
  k.require(m.heads >= 1, "model.heads", ">= 1", m.heads);
  MT_CHECK(m.d_model % m.heads == 0, k.at("model.d_model"), " = ", m.d_model, " is not divisible by model.heads = ",
           m.heads, " (", k.at("model.heads").substr(0, k.at("model.heads").rfind(": ")), ")");
  k.require(c.model.encoder_layers >= 1, "model.encoder_layers", ">= 1", c.model.encoder_layers);
  k.require(c.model.decoder_layers >= 1, "model.decoder_layers", ">= 1", c.model.decoder_layers);
  k.require(m.ff_dim >= 1, "model.ff_dim", ">= 1", m.ff_dim);
  k.require(m.dropout >= 0.0f && m.dropout < 1.0f, "model.dropout", "in [0, 1)", m.dropout);
  for (const auto& [key, rate] : {std::pair{"model.attention_dropout", m.attention_dropout},
                                  std::pair{"model.activation_dropout", m.activation_dropout}}) {
    k.require(rate == -1.0f || (rate >= 0.0f && rate < 1.0f), key, "in [0, 1), or -1 for model.dropout", rate);
  }
  auto require_registered = [&](const std::vector<std::string>& names, const std::string& key, const char* what,
                                const std::string& value) {
    std::string list;
    for (const std::string& n : names) list += (list.empty() ? "" : ", ") + n;
    k.require(std::find(names.begin(), names.end(), value) != names.end(), key,
              str("a registered ", what, " (", list, "; a program's own ", what, " needs that program)"), value);
  };
  require_registered(nn::feed_forward_names(), "model.feed_forward", "block", m.feed_forward);
  require_registered(nn::norm_names(), "model.norm", "norm", m.norm);
  k.require(c.model.max_positions >= 2, "model.max_positions", ">= 2", c.model.max_positions);
}

void validate_tokenizer(const DataConfig& d, const Checker& k) {
  const DataConfig defaults;
  const bool spm = d.tokenizer == TokenizerKind::kSentencePiece;
  const std::pair<const char*, bool> changed[] = {  // SentencePiece settings away from their defaults
      {"data.spm_type", d.spm_type != defaults.spm_type},
      {"data.spm_vocab_size", d.spm_vocab_size != defaults.spm_vocab_size},
      {"data.spm_character_coverage", d.spm_character_coverage != defaults.spm_character_coverage},
      {"data.spm_model", !d.spm_model.empty()},
      {"data.spm_src_model", !d.spm_src_model.empty()},
      {"data.spm_tgt_model", !d.spm_tgt_model.empty()},
      {"data.spm_alpha", d.spm_alpha != defaults.spm_alpha}};
  for (const auto& [key, is_changed] : changed) {
    MT_CHECK(spm || !is_changed, k.at(key), " needs data.tokenizer = sentencepiece (it is whitespace)");
  }
  k.require(d.spm_vocab_size >= 8, "data.spm_vocab_size", ">= 8", d.spm_vocab_size);
  k.require(d.spm_character_coverage > 0.0f && d.spm_character_coverage <= 1.0f, "data.spm_character_coverage",
            "in (0, 1]", d.spm_character_coverage);
  k.require(d.spm_alpha >= 0.0f && d.spm_alpha < 1.0f, "data.spm_alpha", "in [0, 1)", d.spm_alpha);
  MT_CHECK(d.shared_vocab || d.spm_model.empty(), k.at("data.spm_model"),
           " is one joint model and needs data.shared_vocab = true; give data.spm_src_model and data.spm_tgt_model");
  MT_CHECK(!d.shared_vocab || (d.spm_src_model.empty() && d.spm_tgt_model.empty()),
           k.at(d.spm_src_model.empty() ? "data.spm_tgt_model" : "data.spm_src_model"),
           ": with data.shared_vocab = true both sides share one model: give data.spm_model");
}

void validate_data(const Config& c, const Checker& k) {
  const DataConfig& d = c.data;
  k.require(d.min_freq >= 1, "data.min_freq", ">= 1", d.min_freq);
  k.require(d.max_vocab == 0 || d.max_vocab > 4, "data.max_vocab", "0 or more than the 4 special tokens", d.max_vocab);
  k.require(d.max_len >= 1, "data.max_len", ">= 1", d.max_len);
  MT_CHECK(d.max_len < c.model.max_positions, k.at("data.max_len"), " = ", d.max_len,
           " must be below model.max_positions = ", c.model.max_positions, " (a target also holds <bos>)");
  k.require(d.max_ratio >= 0.0f, "data.max_ratio", ">= 0 (0: no limit)", d.max_ratio);
  k.require(d.spm_max_lines >= 0, "data.spm_max_lines", ">= 0 (0: every line)", d.spm_max_lines);
  if (!d.corpora.empty()) {
    MT_CHECK(d.train.src.empty() && d.train.tsv.empty(), k.at("data.corpora"),
             ": give data.corpora or data.train_src/_tgt or data.train_tsv, not both");
    try {
      training_corpora(d);
    } catch (const Error& e) {
      throw Error(str(k.at("data.corpora"), std::string(e.what()).substr(std::string("data.corpora").size())));
    }
  }
  k.require(d.max_tokens >= d.max_len + 1, "data.max_tokens", str("at least data.max_len + 1 = ", d.max_len + 1),
            d.max_tokens);
  for (const auto& [s, files] : {std::pair<std::string, const SplitFiles*>{"train", &d.train}, {"valid", &d.valid},
                                 {"test", &d.test}}) {
    const std::string &src = files->src, &tgt = files->tgt, &tsv = files->tsv;
    MT_CHECK(src.empty() == tgt.empty(), k.at("data." + s + (src.empty() ? "_tgt" : "_src")), " is set but data.", s,
             src.empty() ? "_src" : "_tgt", " is not");
    MT_CHECK(src.empty() || tsv.empty(), k.at("data." + s + "_tsv"), ": give data.", s, "_src/_tgt or data.", s,
             "_tsv, not both");
  }
  validate_tokenizer(d, k);
  MT_CHECK(!c.model.tie_embeddings || d.shared_vocab, k.at("model.tie_embeddings"),
           " shares one table between the two sides and needs data.shared_vocab = true");
}

void validate_optim(const OptimConfig& o, const Checker& k) {
  k.require(o.lr > 0.0f, "optim.lr", "> 0", o.lr);
  k.require(o.beta1 >= 0.0f && o.beta1 < 1.0f, "optim.beta1", "in [0, 1)", o.beta1);
  k.require(o.beta2 >= 0.0f && o.beta2 < 1.0f, "optim.beta2", "in [0, 1)", o.beta2);
  k.require(o.eps >= 0.0f, "optim.eps", ">= 0", o.eps);
  k.require(o.weight_decay >= 0.0f, "optim.weight_decay", ">= 0", o.weight_decay);
  k.require(o.momentum >= 0.0f && o.momentum < 1.0f, "optim.momentum", "in [0, 1)", o.momentum);
  k.require(o.clip_norm >= 0.0f, "optim.clip_norm", ">= 0", o.clip_norm);
  k.require(o.label_smoothing >= 0.0f && o.label_smoothing < 1.0f, "optim.label_smoothing", "in [0, 1)",
            o.label_smoothing);
  const bool noam = o.schedule == ScheduleKind::kNoam;
  k.require(o.warmup >= (noam ? 1 : 0), "optim.warmup", noam ? ">= 1 for noam" : ">= 0", o.warmup);
}

void validate_train(const Config& c, const Checker& k) {
  const TrainConfig& t = c.train;
  const OptimConfig& o = c.optim;
  k.require(!t.run_dir.empty(), "train.run_dir", "a directory", "''");
  k.require(t.seed >= 0, "train.seed", ">= 0", t.seed);
  k.require(t.epochs >= 1, "train.epochs", ">= 1", t.epochs);
  k.require(t.max_steps >= 0, "train.max_steps", ">= 0", t.max_steps);
  k.require(t.threads >= 0, "train.threads", ">= 0", t.threads);
  k.require(t.accumulate >= 1, "train.accumulate", ">= 1", t.accumulate);
  k.require(t.log_every >= 1, "train.log_every", ">= 1", t.log_every);
  k.require(t.valid_every >= 1, "train.valid_every", ">= 1", t.valid_every);
  k.require(t.valid_bleu_sentences >= 0, "train.valid_bleu_sentences", ">= 0", t.valid_bleu_sentences);
  k.require(t.patience >= 0, "train.patience", ">= 0", t.patience);
  k.require(t.keep_last >= 0, "train.keep_last", ">= 0", t.keep_last);
  k.require(t.snapshot_minutes >= 0.0f, "train.snapshot_minutes", ">= 0", t.snapshot_minutes);
  k.require(t.show_translations >= 0, "train.show_translations", ">= 0", t.show_translations);
  k.require(t.time_limit >= 0.0f, "train.time_limit", ">= 0 minutes", t.time_limit);
  k.require(t.ema >= 0.0f && t.ema < 1.0f, "train.ema", "in [0, 1)", t.ema);
  const bool decays = o.schedule == ScheduleKind::kLinear || o.schedule == ScheduleKind::kCosine;
  MT_CHECK(!decays || t.max_steps > o.warmup || (t.max_steps == 0 && t.time_limit > 0.0f), k.at("optim.schedule"),
           " = ", format(o.schedule), " decays to 0 at train.max_steps, which must exceed optim.warmup (", o.warmup,
           "), got ", t.max_steps, "; or, without train.max_steps, at the end of train.time_limit");
}

}  // namespace

void validate(const Config& c) {
  const Checker k(c);
  validate_model(c, k);
  validate_data(c, k);
  validate_optim(c.optim, k);
  validate_train(c, k);
  k.require(c.decode.beam >= 1, "decode.beam", ">= 1", c.decode.beam);
  k.require(c.decode.length_penalty >= 0.0f, "decode.length_penalty", ">= 0", c.decode.length_penalty);
  k.require(c.decode.max_len_a >= 0.0f, "decode.max_len_a", ">= 0", c.decode.max_len_a);
  k.require(c.decode.max_len_b >= 0, "decode.max_len_b", ">= 0", c.decode.max_len_b);
  k.require(c.decode.max_len_a > 0.0f || c.decode.max_len_b >= 1, "decode.max_len_b", ">= 1 when decode.max_len_a is 0",
            c.decode.max_len_b);
}


}  // namespace config_detail

std::vector<data::CorpusFiles> training_corpora(const DataConfig& d) {
  if (d.corpora.empty()) {
    MT_CHECK(!d.train.tsv.empty() || !d.train.src.empty(), "config: no training data is set: give --config FILE, ",
             "or data.train_src and data.train_tgt, data.train_tsv, or data.corpora");
    data::CorpusFiles corpus;
    if (!d.train.tsv.empty()) {
      corpus.tsv = d.train.tsv;
    } else {
      corpus.src = d.train.src, corpus.tgt = d.train.tgt;
    }
    return {corpus};
  }
  std::vector<data::CorpusFiles> corpora;
  std::istringstream list(d.corpora);
  for (std::string item; std::getline(list, item, ',');) {
    const std::string where = str("data.corpora: corpus ", corpora.size() + 1, " ('", item, "')");
    std::vector<std::string> words;
    std::istringstream in(item);
    for (std::string w; in >> w;) words.push_back(w);
    data::CorpusFiles c;
    if (!words.empty() && words.back().rfind("weight=", 0) == 0) {
      const std::string w = words.back().substr(7);
      size_t used = 0;
      try {
        c.weight = std::stod(w, &used);
      } catch (const std::exception&) {
        used = 0;
      }
      MT_CHECK(used == w.size() && !w.empty(), where, ": weight must be a number, got '", w, "'");
      MT_CHECK(c.weight > 0.0 && std::isfinite(c.weight), where, ": weight must be > 0, got ", w);
      words.pop_back();
    }
    MT_CHECK(words.size() == 1 || words.size() == 2, where,
             ": expected 'SRC TGT' or one TSV file, then optionally weight=W (corpora are separated by commas)");
    if (words.size() == 1) c.tsv = words[0];
    if (words.size() == 2) c.src = words[0], c.tgt = words[1];
    corpora.push_back(c);
  }
  MT_CHECK(!corpora.empty(), "data.corpora: no corpus in '", d.corpora, "'");
  return corpora;
}

std::string default_cache_dir() {
  const auto env = [](const char* name) -> std::string {
    const char* value = std::getenv(name);
    return value == nullptr ? "" : value;
  };
  if (!env("MINITRANS_CACHE").empty()) return env("MINITRANS_CACHE");
  if (!env("XDG_CACHE_HOME").empty()) return env("XDG_CACHE_HOME") + "/minitrans";
  if (!env("HOME").empty()) return env("HOME") + "/.cache/minitrans";
  return "/tmp/minitrans-cache";
}

std::string nearest_option(const std::string& key) {
  using namespace config_detail;
  Config c;
  std::string best;
  size_t best_distance = std::string::npos;
  visit_options(c, [&](const char* option, auto&, const char*) {
    const std::string o = option;
    // Compare with the whole key, and with the part after the section (for "heads" or "modle.heads").
    const std::string name = o.substr(o.find('.') + 1), given = key.substr(key.find('.') + 1);
    const size_t distance = std::min(edit_distance(key, o), edit_distance(given, name) + (key.find('.') != std::string::npos));
    if (distance < best_distance) best_distance = distance, best = o;
  });
  return best_distance <= std::max<size_t>(2, key.size() / 4) ? best : "";
}


}  // namespace mt
