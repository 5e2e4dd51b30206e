// Config parsing with Boost.Program_options; see config.h. One list, visit_options(), names
// every option once: it builds the parser, the help text and the written config.ini.
#include "train/run/config.h"

#include <algorithm>
#include <boost/program_options.hpp>
#include <charconv>
#include <cmath>
#include <fstream>
#include <set>
#include <sstream>

#include "autograd/check.h"
#include "data/vocab.h"
#include "nn/feed_forward.h"
#include "nn/layer_norm.h"

namespace mt {
namespace po = boost::program_options;
namespace {

// Every option: key, field, help line. Sections follow the key's prefix.
template <typename C, typename Visit>
void visit_options(C& c, const Visit& v) {
  v("model.d_model", c.model.layer.d_model, "model width D (divisible by model.heads)");
  v("model.heads", c.model.layer.heads, "attention heads H");
  v("model.layers", c.model.encoder_layers, "layers in the encoder and in the decoder");
  v("model.ff_dim", c.model.layer.ff_dim, "feed-forward width F");
  v("model.dropout", c.model.layer.dropout, "dropout probability, in [0, 1)");
  v("model.activation", c.model.layer.activation, "feed-forward activation: relu or gelu");
  v("model.attention", c.model.layer.attention,
    "attention op: fused (fast), or reference (composed of ordinary ops: to read, step through, gradcheck)");
  v("model.feed_forward", c.model.layer.feed_forward, "feed-forward block: standard, or one a program registered");
  v("model.norm", c.model.layer.norm, "norm of every layer: layer_norm, or one a program registered");
  v("model.norm_first", c.model.layer.norm_first, "pre-LN layers instead of post-LN");
  v("model.tie_output", c.model.tie_output, "share the target embedding with the output projection");
  v("model.learned_positions", c.model.learned_positions, "learned positions instead of sinusoids");
  v("model.max_positions", c.model.max_len, "longest sequence the positions cover");
  v("data.train_src", c.data.train_src, "training source file, one sentence per line");
  v("data.train_tgt", c.data.train_tgt, "training target file, aligned with train_src");
  v("data.valid_src", c.data.valid_src, "validation source file");
  v("data.valid_tgt", c.data.valid_tgt, "validation target file");
  v("data.test_src", c.data.test_src, "test source file (evaluated at the end of training)");
  v("data.test_tgt", c.data.test_tgt, "test target file");
  v("data.train_tsv", c.data.train_tsv, "training pairs as source<TAB>target (instead of train_src/train_tgt)");
  v("data.valid_tsv", c.data.valid_tsv, "validation pairs as TSV");
  v("data.test_tsv", c.data.test_tsv, "test pairs as TSV");
  v("data.lowercase", c.data.lowercase, "lowercase ASCII letters when tokenizing");
  v("data.min_freq", c.data.min_freq, "fewest occurrences for a token to enter a vocabulary");
  v("data.max_vocab", c.data.max_vocab, "largest vocabulary, specials included (0: no limit)");
  v("data.shared_vocab", c.data.shared_vocab, "one vocabulary for source and target");
  v("data.max_len", c.data.max_len, "longest training sentence in tokens; longer pairs are dropped");
  v("data.max_tokens", c.data.max_tokens, "padded tokens per batch (the batch size)");
  v("optim.optimizer", c.optim.optimizer, "adam, adamw or sgd");
  v("optim.lr", c.optim.lr, "learning rate (the peak, for warmup schedules)");
  v("optim.beta1", c.optim.beta1, "Adam beta1");
  v("optim.beta2", c.optim.beta2, "Adam beta2");
  v("optim.eps", c.optim.eps, "Adam epsilon");
  v("optim.weight_decay", c.optim.weight_decay, "weight decay (L2 for adam and sgd, decoupled for adamw)");
  v("optim.momentum", c.optim.momentum, "SGD momentum");
  v("optim.clip_norm", c.optim.clip_norm, "clip gradients to this global norm (0: no clipping)");
  v("optim.label_smoothing", c.optim.label_smoothing, "label smoothing of the training loss, in [0, 1)");
  v("optim.schedule", c.optim.schedule, "learning-rate schedule: constant, noam, linear or cosine");
  v("optim.warmup", c.optim.warmup, "warmup steps");
  v("train.run_dir", c.train.run_dir, "directory for checkpoints, vocabularies, config and metrics");
  v("train.seed", c.train.seed, "random seed (weights, dropout, batch order)");
  v("train.epochs", c.train.epochs, "passes over the training data");
  v("train.max_steps", c.train.max_steps, "stop after this many steps (0: no limit)");
  v("train.threads", c.train.threads, "threads to use (0: all cores)");
  v("train.log_every", c.train.log_every, "steps between log lines");
  v("train.valid_every", c.train.valid_every, "steps between validations and checkpoints");
  v("train.valid_bleu_sentences", c.train.valid_bleu_sentences, "validation sentences decoded for BLEU (0: none)");
  v("train.patience", c.train.patience, "validations without improvement before stopping (0: never)");
  v("train.show_translations", c.train.show_translations, "test translations printed after training");
  v("train.check_masks", c.train.check_masks,
    "check every training batch's attention and loss masks (slower; on by default in debug builds)");
  v("train.health", c.train.health,
    "log gradient norms, update/weight ratios and attention entropy per layer at every log step");
  v("train.profile", c.train.profile, "print the time per op kind, forward and backward, of the training steps");
  v("train.nonfinite", c.train.nonfinite, "on a NaN or Inf loss or gradient: stop (with a message) or skip the step");
  v("decode.beam", c.decode.beam, "beam size (1: greedy)");
  v("decode.length_penalty", c.decode.length_penalty, "beam search length normalization exponent");
  v("decode.max_len", c.decode.max_len, "longest translation in tokens");
}

// The names of an enum's values as a config file spells them, in the order help lists them.
template <typename E>
using Choices = std::vector<std::pair<std::string, E>>;
const Choices<nn::Activation>& choices(nn::Activation*) {
  static const Choices<nn::Activation> c{{"relu", nn::Activation::kRelu}, {"gelu", nn::Activation::kGelu}};
  return c;
}
const Choices<nn::AttentionImpl>& choices(nn::AttentionImpl*) {
  static const Choices<nn::AttentionImpl> c{{"fused", nn::AttentionImpl::kFused},
                                            {"reference", nn::AttentionImpl::kReference}};
  return c;
}
const Choices<OptimizerKind>& choices(OptimizerKind*) {
  static const Choices<OptimizerKind> c{
      {"adam", OptimizerKind::kAdam}, {"adamw", OptimizerKind::kAdamW}, {"sgd", OptimizerKind::kSgd}};
  return c;
}
const Choices<ScheduleKind>& choices(ScheduleKind*) {
  static const Choices<ScheduleKind> c{{"constant", ScheduleKind::kConstant}, {"noam", ScheduleKind::kNoam},
                                       {"linear", ScheduleKind::kLinear}, {"cosine", ScheduleKind::kCosine}};
  return c;
}
const Choices<NonFinite>& choices(NonFinite*) {
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
  BadChoice(std::string k, std::string v, std::string a) : key(std::move(k)), value(std::move(v)), allowed(std::move(a)) {}
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

po::options_description config_options(Config& c) {
  po::options_description desc("Options (in the file as [section] key = value, or --section.key=value)");
  visit_options(c, [&](const char* key, auto& field, const char* help) {
    using T = std::decay_t<decltype(field)>;
    if constexpr (std::is_enum_v<T>) {  // read as a name, parsed once into the enum
      const std::string name = key;
      auto parse = [&field, name](const std::string& text) { field = parse_choice<T>(name, text); };
      desc.add_options()(key, po::value<std::string>()->default_value(format(field))->notifier(parse), help);
    } else {
      desc.add_options()(key, po::value<T>(&field)->default_value(field, format(field)), help);
    }
  });
  return desc;
}

// Where each key sits in an INI file (and its value text), checking the syntax that
// Program_options would reject without a line number.
std::map<std::string, int> scan_lines(const std::string& path, std::map<std::string, std::string>* values) {
  std::ifstream in(path);
  MT_CHECK(in.good(), path, ": cannot open config file");
  std::map<std::string, int> lines;
  std::string line, section;
  for (int n = 1; std::getline(in, line); ++n) {
    const size_t hash = line.find('#');
    if (hash != std::string::npos) line.erase(hash);
    const size_t first = line.find_first_not_of(" \t\r"), last = line.find_last_not_of(" \t\r");
    if (first == std::string::npos) continue;
    line = line.substr(first, last - first + 1);
    if (line.front() == '[') {
      MT_CHECK(line.back() == ']' && line.size() > 2, path, ":", n, ": malformed section header '", line, "'");
      section = line.substr(1, line.size() - 2) + ".";
      continue;
    }
    const size_t eq = line.find('=');
    MT_CHECK(eq != std::string::npos && eq > 0, path, ":", n, ": expected 'key = value', got '", line, "'");
    std::string key = line.substr(0, eq);
    key.erase(key.find_last_not_of(" \t") + 1);
    key = section + key;
    MT_CHECK(!lines.count(key), path, ":", n, ": '", key, "' is set twice (first at line ", lines[key], ")");
    lines[key] = n;
    std::string value = line.substr(eq + 1);
    value.erase(0, value.find_first_not_of(" \t"));
    (*values)[key] = value;
  }
  return lines;
}

// Edit distance (insertions, deletions, substitutions, adjacent swaps) between two keys,
// keeping three rows of the table.
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

std::string strip_dashes(std::string name) {
  while (!name.empty() && name.front() == '-') name.erase(0, 1);
  return name;
}

// Range and consistency checks; `at(key)` says where the value came from.
void validate(const Config& c) {
  auto at = [&](const std::string& key) {
    auto it = c.source.find(key);
    const std::string where = it == c.source.end() ? "default" : it->second;
    return str(where == "default" ? "default value" : where, ": ", key);
  };
  auto require = [&](bool ok, const std::string& key, const std::string& what, const auto& value) {
    MT_CHECK(ok, at(key), " must be ", what, ", got ", value);
  };
  const nn::LayerOptions& m = c.model.layer;
  require(m.d_model >= 1, "model.d_model", ">= 1", m.d_model);
  require(m.heads >= 1, "model.heads", ">= 1", m.heads);
  MT_CHECK(m.d_model % m.heads == 0, at("model.d_model"), " = ", m.d_model, " is not divisible by model.heads = ",
           m.heads, " (", at("model.heads").substr(0, at("model.heads").rfind(": ")), ")");
  require(c.model.encoder_layers >= 1, "model.layers", ">= 1", c.model.encoder_layers);
  require(m.ff_dim >= 1, "model.ff_dim", ">= 1", m.ff_dim);
  require(m.dropout >= 0.0f && m.dropout < 1.0f, "model.dropout", "in [0, 1)", m.dropout);
  auto require_registered = [&](const std::vector<std::string>& names, const std::string& key, const char* what,
                                const std::string& value) {
    std::string list;
    for (const std::string& n : names) list += (list.empty() ? "" : ", ") + n;
    require(std::find(names.begin(), names.end(), value) != names.end(), key,
            str("a registered ", what, " (", list, "; a program's own ", what, " needs that program)"), value);
  };
  require_registered(nn::feed_forward_names(), "model.feed_forward", "block", m.feed_forward);
  require_registered(nn::norm_names(), "model.norm", "norm", m.norm);
  require(c.model.max_len >= 2, "model.max_positions", ">= 2", c.model.max_len);
  const DataConfig& d = c.data;
  require(d.min_freq >= 1, "data.min_freq", ">= 1", d.min_freq);
  require(d.max_vocab == 0 || d.max_vocab > 4, "data.max_vocab", "0 or more than the 4 special tokens", d.max_vocab);
  require(d.max_len >= 1, "data.max_len", ">= 1", d.max_len);
  MT_CHECK(d.max_len < c.model.max_len, at("data.max_len"), " = ", d.max_len,
           " must be below model.max_positions = ", c.model.max_len, " (a target also holds <bos>)");
  require(d.max_tokens >= d.max_len + 1, "data.max_tokens", str("at least data.max_len + 1 = ", d.max_len + 1),
          d.max_tokens);
  for (const char* split : {"train", "valid", "test"}) {
    const std::string s = split;
    const std::string& src = s == "train" ? d.train_src : s == "valid" ? d.valid_src : d.test_src;
    const std::string& tgt = s == "train" ? d.train_tgt : s == "valid" ? d.valid_tgt : d.test_tgt;
    const std::string& tsv = s == "train" ? d.train_tsv : s == "valid" ? d.valid_tsv : d.test_tsv;
    MT_CHECK(src.empty() == tgt.empty(), at("data." + s + (src.empty() ? "_tgt" : "_src")), " is set but data.", s,
             src.empty() ? "_src" : "_tgt", " is not");
    MT_CHECK(src.empty() || tsv.empty(), at("data." + s + "_tsv"), ": give data.", s, "_src/_tgt or data.", s,
             "_tsv, not both");
  }
  const OptimConfig& o = c.optim;
  require(o.lr > 0.0f, "optim.lr", "> 0", o.lr);
  require(o.beta1 >= 0.0f && o.beta1 < 1.0f, "optim.beta1", "in [0, 1)", o.beta1);
  require(o.beta2 >= 0.0f && o.beta2 < 1.0f, "optim.beta2", "in [0, 1)", o.beta2);
  require(o.eps >= 0.0f, "optim.eps", ">= 0", o.eps);
  require(o.weight_decay >= 0.0f, "optim.weight_decay", ">= 0", o.weight_decay);
  require(o.momentum >= 0.0f && o.momentum < 1.0f, "optim.momentum", "in [0, 1)", o.momentum);
  require(o.clip_norm >= 0.0f, "optim.clip_norm", ">= 0", o.clip_norm);
  require(o.label_smoothing >= 0.0f && o.label_smoothing < 1.0f, "optim.label_smoothing", "in [0, 1)",
          o.label_smoothing);
  const bool noam = o.schedule == ScheduleKind::kNoam;
  require(o.warmup >= (noam ? 1 : 0), "optim.warmup", noam ? ">= 1 for noam" : ">= 0", o.warmup);
  const TrainConfig& t = c.train;
  require(!t.run_dir.empty(), "train.run_dir", "a directory", "''");
  require(t.seed >= 0, "train.seed", ">= 0", t.seed);
  require(t.epochs >= 1, "train.epochs", ">= 1", t.epochs);
  require(t.max_steps >= 0, "train.max_steps", ">= 0", t.max_steps);
  require(t.threads >= 0, "train.threads", ">= 0", t.threads);
  require(t.log_every >= 1, "train.log_every", ">= 1", t.log_every);
  require(t.valid_every >= 1, "train.valid_every", ">= 1", t.valid_every);
  require(t.valid_bleu_sentences >= 0, "train.valid_bleu_sentences", ">= 0", t.valid_bleu_sentences);
  require(t.patience >= 0, "train.patience", ">= 0", t.patience);
  require(t.show_translations >= 0, "train.show_translations", ">= 0", t.show_translations);
  const bool decays = o.schedule == ScheduleKind::kLinear || o.schedule == ScheduleKind::kCosine;
  MT_CHECK(!decays || t.max_steps > o.warmup, at("optim.schedule"), " = ", format(o.schedule), " decays to 0 at train.max_steps, which must exceed optim.warmup (", o.warmup, "), got ",
           t.max_steps);
  require(c.decode.beam >= 1, "decode.beam", ">= 1", c.decode.beam);
  require(c.decode.length_penalty >= 0.0f, "decode.length_penalty", ">= 0", c.decode.length_penalty);
  require(c.decode.max_len >= 1, "decode.max_len", ">= 1", c.decode.max_len);
}

}  // namespace

std::string nearest_option(const std::string& key) {
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

std::string option_error_message(const std::exception& e) {
  auto name = [](const po::error_with_option_name& x) {
    std::string n = strip_dashes(x.get_option_name());
    return n.substr(0, n.find('='));
  };
  if (auto* x = dynamic_cast<const po::unknown_option*>(&e)) {
    const std::string suggestion = nearest_option(name(*x));
    return str("unknown option '", name(*x), "'", suggestion.empty() ? "" : "; did you mean " + suggestion + "?");
  }
  if (auto* x = dynamic_cast<const po::multiple_occurrences*>(&e)) return str("'", name(*x), "' is given more than once");
  if (auto* x = dynamic_cast<const po::required_option*>(&e)) return str("the option '--", name(*x), "' is required");
  if (auto* x = dynamic_cast<const po::invalid_command_line_syntax*>(&e)) return str("malformed option '", name(*x), "'");
  if (auto* x = dynamic_cast<const po::validation_error*>(&e)) return str("invalid value for '", name(*x), "'");
  if (auto* x = dynamic_cast<const po::error_with_option_name*>(&e)) return str("cannot use option '", name(*x), "'");
  return e.what();
}

Config parse_train_config(const std::vector<std::string>& args, std::string* help) {
  Config c;
  po::options_description desc = config_options(c);
  std::string config_path;
  po::options_description general("minitrans train");
  general.add_options()("help,h", "list every option with its default")(
      "config", po::value<std::string>(&config_path), "INI file with [model] [data] [optim] [train] [decode]");
  po::options_description all;
  all.add(general).add(desc);

  po::variables_map vm;
  po::parsed_options cli(&all);
  try {
    cli = po::command_line_parser(args).options(all).run();
    po::store(cli, vm);  // stored first: command-line values win over the file's
  } catch (const po::error& e) {
    throw Error(str("command line: ", option_error_message(e)));
  }
  if (vm.count("help")) {
    if (help) *help = str(general, desc);
    return c;
  }
  std::map<std::string, int> lines;
  std::map<std::string, std::string> values;
  if (vm.count("config")) {
    config_path = vm["config"].as<std::string>();
    lines = scan_lines(config_path, &values);
    try {
      po::store(po::parse_config_file<char>(config_path.c_str(), desc, false), vm);
    } catch (const po::error_with_option_name& e) {
      const std::string key = strip_dashes(e.get_option_name());
      const auto line = lines.find(key);
      const bool bad_value = dynamic_cast<const po::validation_error*>(&e) != nullptr && values.count(key);
      throw Error(str(config_path, line == lines.end() ? "" : ":" + std::to_string(line->second), ": ", key, ": ",
                      option_error_message(e), bad_value ? str(", got '", values[key], "'") : std::string()));
    } catch (const po::error& e) {
      throw Error(str(config_path, ": ", option_error_message(e)));
    }
  }
  std::set<std::string> from_cli;
  for (const auto& option : cli.options) from_cli.insert(option.string_key);
  visit_options(c, [&](const char* key, auto&, const char*) {
    if (from_cli.count(key)) c.source[key] = "command line";
    else if (lines.count(key)) c.source[key] = str(config_path, ":", lines[key]);
    else c.source[key] = "default";
  });
  try {
    po::notify(vm);
  } catch (const BadChoice& e) {
    throw Error(str(c.source[e.key], ": ", e.key, " must be ", e.allowed, ", got ", e.value));
  } catch (const po::error& e) {
    throw Error(str("config: ", option_error_message(e)));
  }
  c.model.decoder_layers = c.model.encoder_layers;  // model.layers sets both stacks
  validate(c);
  return c;
}

Config load_config(const std::string& path, const std::vector<std::string>& overrides) {
  std::vector<std::string> args{"--config", path};
  args.insert(args.end(), overrides.begin(), overrides.end());
  return parse_train_config(args);
}

std::string to_ini(const Config& config) {
  std::ostringstream out;
  std::string section;
  out << "# The resolved configuration of this run (every option), written by minitrans.\n";
  visit_options(config, [&](const char* key, const auto& field, const char*) {
    const std::string k = key;
    const std::string s = k.substr(0, k.find('.'));
    if (s != section) {
      out << (section.empty() ? "" : "\n") << "[" << s << "]\n";
      section = s;
    }
    out << k.substr(k.find('.') + 1) << " = " << format(field) << "\n";
  });
  return out.str();
}

std::string describe_config(const Config& config) {
  std::vector<std::pair<std::string, std::string>> rows;
  size_t width = 0;
  visit_options(config, [&](const char* key, const auto& field, const char*) {
    rows.emplace_back(str(key, " = ", format(field)), config.source.count(key) ? config.source.at(key) : "default");
    width = std::max(width, rows.back().first.size());
  });
  std::string out;
  for (const auto& [setting, source] : rows) out += setting + std::string(width + 2 - setting.size(), ' ') + "# " + source + "\n";
  return out;
}

nn::TransformerOptions default_model_options() {
  return {.layer = {.d_model = 64, .heads = 4, .ff_dim = 256, .dropout = 0.1f}, .encoder_layers = 2,
          .decoder_layers = 2, .max_len = 256, .pad_id = data::Vocab::kPad};
}

std::string option_name(OptimizerKind kind) { return format(kind); }
std::string option_name(ScheduleKind kind) { return format(kind); }

std::string config_help() {
  Config c;
  return str(config_options(c));
}

}  // namespace mt
