// Config parsing with Boost.Program_options; see config.h. One list, visit_options()
// (config_options.h), names every option once: it builds the parser, the help text and the
// written config.ini.
#include "train/run/config.h"

#include <algorithm>
#include <boost/program_options.hpp>
#include <cstdio>
#include <fstream>
#include <set>
#include <sstream>

#include "autograd/check.h"
#include "data/vocab.h"
#include "train/run/config_options.h"

namespace mt {
namespace po = boost::program_options;
using namespace config_detail;
namespace {

// Keys renamed since a run directory's config.ini may have been written: the old name still
// reads, into each of its new keys, with a line saying so (Config::deprecations).
struct RenamedKey {
  const char* old_key;
  std::vector<const char*> new_keys;
};
const RenamedKey kRenamedKeys[] = {
    {"decode.max_len", {"decode.max_len_b"}},
    {"model.layers", {"model.encoder_layers", "model.decoder_layers"}},
};

std::string joined(const std::vector<const char*>& keys) {
  std::string out;
  for (size_t i = 0; i < keys.size(); ++i) out += str(i == 0 ? "" : " and ", keys[i]);
  return out;
}

po::options_description renamed_options() {
  po::options_description desc("Renamed options (still read)");
  for (const RenamedKey& r : kRenamedKeys) {
    desc.add_options()(r.old_key, po::value<std::string>(), joined(r.new_keys).c_str());
  }
  return desc;
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

// A line of a file as an error can show it: bytes outside printable ASCII as \xNN (a binary file
// given as config prints no raw bytes), cut after 60 characters.
std::string printable(const std::string& line) {
  std::string out;
  for (const char c : line) {
    if (out.size() >= 60) return out + "...";
    const auto byte = static_cast<unsigned char>(c);
    if (byte >= 0x20 && byte < 0x7f) {
      out += c;
    } else {
      char hex[8];
      std::snprintf(hex, sizeof(hex), "\\x%02x", byte);
      out += hex;
    }
  }
  return out;
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
      MT_CHECK(line.back() == ']' && line.size() > 2, path, ":", n, ": malformed section header '",
               printable(line), "'");
      section = line.substr(1, line.size() - 2) + ".";
      continue;
    }
    const size_t eq = line.find('=');
    MT_CHECK(eq != std::string::npos && eq > 0, path, ":", n, ": expected 'key = value', got '", printable(line),
             "'");
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
// "--data.valid_src=" as "--data.valid_src" "": an empty value clears a path option (Boost
// reads the first form as malformed).
std::vector<std::string> with_empty_values(const std::vector<std::string>& args) {
  std::vector<std::string> out;
  for (const std::string& a : args) {
    const bool empty_value = a.size() > 3 && a.rfind("--", 0) == 0 && a.find('=') == a.size() - 1;
    if (!empty_value) {
      out.push_back(a);
      continue;
    }
    out.push_back(a.substr(0, a.size() - 1));
    out.push_back("");
  }
  return out;
}

std::string strip_dashes(std::string name) {
  while (!name.empty() && name.front() == '-') name.erase(0, 1);
  return name;
}

// Range and consistency checks; `at(key)` says where the value came from.
}  // namespace

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
  desc.add(renamed_options());
  std::string config_path;
  po::options_description general("minitrans train");
  general.add_options()("help,h", "list every option with its default")(
      "config", po::value<std::string>(&config_path), "INI file with [model] [data] [optim] [train] [decode]");
  po::options_description all;
  all.add(general).add(desc);

  po::variables_map vm;
  po::parsed_options cli(&all);
  try {
    cli = po::command_line_parser(with_empty_values(args)).options(all).run();
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
                      option_error_message(e), bad_value ? str(", got '", printable(values[key]), "'") : std::string()));
    } catch (const po::error& e) {
      throw Error(str(config_path, ": ", option_error_message(e)));
    }
  }
  std::set<std::string> from_cli;
  for (const auto& option : cli.options) from_cli.insert(option.string_key);
  const auto source_of = [&](const std::string& key) {
    if (from_cli.count(key)) return std::string("command line");
    return lines.count(key) ? str(config_path, ":", lines[key]) : std::string("default");
  };
  visit_options(c, [&](const char* key, auto&, const char*) { c.source[key] = source_of(key); });
  for (const RenamedKey& r : kRenamedKeys) {
    if (!vm.count(r.old_key)) continue;
    const std::string where = source_of(r.old_key);
    const std::string value = vm[r.old_key].as<std::string>();
    for (const char* new_key : r.new_keys) {
      MT_CHECK(vm[new_key].defaulted(), where, ": ", r.old_key, " is the old name of ", new_key, ", which ",
               c.source[new_key], " also sets: give one");
      po::store(po::command_line_parser(std::vector<std::string>{str("--", new_key, "=", value)}).options(desc).run(), vm);
      c.source[new_key] = str(where, " (as ", r.old_key, ")");
    }
    c.deprecations.push_back(str(where, ": ", r.old_key, " is now ", joined(r.new_keys), " (the old name still works)"));
  }
  try {
    po::notify(vm);
  } catch (const BadChoice& e) {
    throw Error(str(c.source[e.key], ": ", e.key, " must be ", e.allowed, ", got ", e.value));
  } catch (const po::error& e) {
    throw Error(str("config: ", option_error_message(e)));
  }
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

std::string option_name(OptimizerKind kind) { return format(kind); }
std::string option_name(ScheduleKind kind) { return format(kind); }
std::string option_name(data::SubwordModel kind) { return format(kind); }
std::string option_name(BestMetric metric) { return format(metric); }

std::string config_help() {
  Config c;
  return str(config_options(c));
}

}  // namespace mt
