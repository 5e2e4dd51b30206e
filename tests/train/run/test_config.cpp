// Tests of train/run/config.cpp: file + overrides, defaults, provenance, and every kind of mistake
// reported with file, line and key.
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "tests/reference.h"
#include "data/vocab.h"
#include "train/run/config.h"

using namespace mt;
using namespace mt::testing;
namespace fs = std::filesystem;

namespace {
std::string write_config(const std::string& name, const std::string& text) {
  const fs::path path = fs::temp_directory_path() / ("minitrans_cfg_" + std::to_string(::getpid()) + "_" + name);
  std::ofstream(path) << text;
  return path.string();
}
const char* const kBase =
    "[model]\n"
    "d_model = 32   # width\n"
    "heads = 4\n"
    "\n"
    "[train]\n"
    "run_dir = runs/x\n"
    "max_steps = 10\n";
}  // namespace

TEST_CASE("config: file values, defaults, and command-line overrides that win") {
  const std::string path = write_config("base.ini", kBase);
  const Config c = parse_train_config({"--config", path, "--model.heads=8", "--optim.lr", "0.01"});
  CHECK(c.model.layer.d_model == 32);
  CHECK(c.model.layer.heads == 8);
  CHECK(c.optim.lr == doctest::Approx(0.01));
  CHECK(c.model.layer.ff_dim == 256);  // default
  CHECK(c.train.max_steps == 10);
  CHECK(c.source.at("model.d_model") == path + ":2");
  CHECK(c.source.at("model.heads") == "command line");
  CHECK(c.source.at("model.ff_dim") == "default");
  fs::remove(path);
}

TEST_CASE("config: the written config.ini reads back to the same configuration") {
  const std::string path = write_config("round.ini", kBase);
  const Config c = parse_train_config({"--config", path, "--model.norm_first=true", "--optim.eps=1e-9"});
  const std::string again = write_config("again.ini", to_ini(c));
  const Config d = load_config(again);
  CHECK(to_ini(d) == to_ini(c));
  CHECK(d.model.layer.norm_first);
  CHECK(d.optim.eps == c.optim.eps);
  fs::remove(path);
  fs::remove(again);
}

TEST_CASE("config: unknown keys, wrong types and bad ranges name the file, line and key") {
  const std::string unknown = write_config("unknown.ini", "[model]\nd_model = 32\nd_modle = 64\n");
  check_error([&] { parse_train_config({"--config", unknown}); }, {unknown + ":3", "model.d_modle"});
  const std::string type = write_config("type.ini", "[model]\n\nheads = four\n");
  check_error([&] { parse_train_config({"--config", type}); }, {type + ":3", "model.heads", "four"});
  const std::string range = write_config("range.ini", "[model]\ndropout = 1.5\n");
  check_error([&] { parse_train_config({"--config", range}); }, {range + ":2", "model.dropout", "[0, 1)", "1.5"});
  check_error([&] { parse_train_config({"--model.attention_dropout=-0.5"}); },
              {"command line", "model.attention_dropout", "-1 for model.dropout", "-0.5"});
  check_error([&] { parse_train_config({"--model.activation_dropout=1"}); },
              {"command line", "model.activation_dropout", "[0, 1)"});
  const std::string divisible = write_config("div.ini", "[model]\nd_model = 30\nheads = 4\n");
  check_error([&] { parse_train_config({"--config", divisible}); }, {divisible + ":2", "not divisible", "heads = 4"});
  const std::string negative = write_config("neg.ini", "[train]\nepochs = 0\n");
  check_error([&] { parse_train_config({"--config", negative}); }, {negative + ":2", "train.epochs", ">= 1"});
  const std::string syntax = write_config("syntax.ini", "[model]\nthis is not a setting\n");
  check_error([&] { parse_train_config({"--config", syntax}); }, {syntax + ":2", "key = value"});
  const std::string twice = write_config("twice.ini", "[model]\nheads = 4\nheads = 8\n");
  check_error([&] { parse_train_config({"--config", twice}); }, {twice + ":3", "model.heads", "twice"});
  const std::string names = write_config("names.ini", "[optim]\noptimizer = adagrad\nschedule = step\n");
  check_error([&] { parse_train_config({"--config", names}); }, {names + ":2", "optim.optimizer", "adagrad"});
  check_error([&] { parse_train_config({"--train.nonfinite=ignore"}); }, {"command line", "train.nonfinite", "stop or skip"});
  check_error([&] { parse_train_config({"--model.heads=x"}); }, {"command line", "model.heads"});
  check_error([&] { parse_train_config({"--model.heads=0"}); }, {"command line", "model.heads", ">= 1"});
  check_error([&] { parse_train_config({"--nope=1"}); }, {"command line", "nope"});
  check_error([&] { parse_train_config({"--config", "/no/such/file.ini"}); }, {"/no/such/file.ini", "cannot open"});
  for (const auto& p : {unknown, type, range, divisible, negative, syntax, twice, names}) fs::remove(p);
}

TEST_CASE("config: an unknown key's error suggests the nearest valid key") {
  const std::string unknown = write_config("typo.ini", "[model]\nd_model = 32\nd_modle = 64\n");
  check_error([&] { parse_train_config({"--config", unknown}); },
              {unknown + ":3", "model.d_modle", "did you mean model.d_model?"});
  check_error([&] { parse_train_config({"--model.hedas=4"}); }, {"command line", "did you mean model.heads?"});
  check_error([&] { parse_train_config({"--optim.warmpu=4"}); }, {"did you mean optim.warmup?"});
  CHECK(nearest_option("modle.heads") == "model.heads");       // a typo in the section
  CHECK(nearest_option("train.maxsteps") == "train.max_steps");
  CHECK(nearest_option("completely.different") == "");        // nothing close: no guess
  const Error e = [] {
    try {
      parse_train_config({"--zzzzzz=1"});
    } catch (const Error& error) {
      return error;
    }
    return Error("no error");
  }();
  CHECK(std::string(e.what()).find("did you mean") == std::string::npos);
  fs::remove(unknown);
}

TEST_CASE("config: a decaying schedule needs train.max_steps beyond the warmup, or a time limit") {
  check_error([] { parse_train_config({"--optim.schedule=linear", "--optim.warmup=10"}); },
              {"optim.schedule = linear decays to 0 at train.max_steps", "got 0", "train.time_limit"});
  check_error([] { parse_train_config({"--optim.schedule=cosine", "--optim.warmup=10", "--train.max_steps=10"}); },
              {"optim.schedule = cosine", "(10), got 10"});
  CHECK(parse_train_config({"--optim.schedule=linear", "--train.time_limit=15"}).train.time_limit == 15.0f);
  CHECK(parse_train_config({"--optim.schedule=cosine", "--optim.warmup=10", "--train.max_steps=11"}).train.max_steps == 11);
}

TEST_CASE("config: describe_config gives every option, its value and where it came from") {
  const std::string path = write_config("provenance.ini", "# a comment\n[model]\nd_model = 32\n\n[optim]\nlr = 0.01\n");
  const Config c = parse_train_config({"--config", path, "--model.heads=4"});
  const std::string text = describe_config(c);
  std::istringstream lines(text);
  std::string line;
  std::map<std::string, std::string> source;  // key -> what follows "# "
  int64_t count = 0;
  while (std::getline(lines, line)) {
    ++count;
    REQUIRE(line.find(" = ") != std::string::npos);
    REQUIRE(line.find("# ") != std::string::npos);
    source[line.substr(0, line.find(" = "))] = line.substr(line.rfind("# ") + 2);
  }
  CHECK(count == static_cast<int64_t>(c.source.size()));
  CHECK(source["model.d_model"] == path + ":3");
  CHECK(source["optim.lr"] == path + ":6");
  CHECK(source["model.heads"] == "command line");
  CHECK(source["model.encoder_layers"] == "default");
  CHECK(text.find("model.heads = 4 ") != std::string::npos);
  CHECK(text.find("optim.lr = 0.01 ") != std::string::npos);
  fs::remove(path);
}

TEST_CASE("config: keys and values holding Boost's message placeholders give errors, not a hang") {
  // Boost.Program_options' what() substitutes %canonical_option% and friends into its message
  // and never ends when the substituted text contains one again (found by fuzz/fuzz_config.cpp).
  const std::string key = write_config("placeholder_key.ini", "[model]\n%canonical_option%x = 1\n");
  check_error([&] { parse_train_config({"--config", key}); }, {key + ":2", "unknown option"});
  const std::string value = write_config("placeholder_value.ini", "[model]\nheads = %value%%canonical_option%\n");
  check_error([&] { parse_train_config({"--config", value}); }, {value + ":2", "invalid value", "%value%"});
  check_error([&] { parse_train_config({"--%canonical_option%=1"}); }, {"command line", "unknown option"});
  fs::remove(key);
  fs::remove(value);
}

TEST_CASE("config: --help lists every option with its default and help line") {
  std::string help;
  parse_train_config({"--help"}, &help);
  for (const char* key : {"train.run_dir", "train.seed", "train.epochs", "train.max_steps", "train.threads",
                          "data.train_src", "data.train_tgt", "data.valid_src", "data.valid_tgt", "data.test_src",
                          "data.test_tgt", "model.d_model", "model.heads", "model.encoder_layers", "model.decoder_layers", "model.ff_dim",
                          "model.dropout", "optim.lr"}) {
    CHECK_MESSAGE(help.find(key) != std::string::npos, key);
  }
  CHECK(help.find("(=64)") != std::string::npos);
  CHECK(help.find("feed-forward width F") != std::string::npos);
}

TEST_CASE("config: an empty value on the command line clears a path the file sets") {
  const std::string path = write_config("paths.ini", "[data]\nvalid_src = v.src\nvalid_tgt = v.tgt\n");
  CHECK(parse_train_config({"--config", path}).data.valid.src == "v.src");
  const Config cleared = parse_train_config({"--config", path, "--data.valid_src=", "--data.valid_tgt="});
  CHECK(cleared.data.valid.src.empty());
  CHECK(cleared.data.valid.tgt.empty());
  CHECK(cleared.source.at("data.valid_src") == "command line");
  check_error([] { parse_train_config({"--model.heads="}); }, {"command line", "invalid value for 'model.heads'"});
  fs::remove(path);
}

TEST_CASE("config: a binary file's bytes are shown escaped and cut, never raw") {
  std::string bytes = "\x01\x02\xff\xfe\x7f";
  for (int i = 0; i < 200; ++i) bytes += static_cast<char>(0x80 + i % 64);
  const std::string path = write_config("binary.ini", bytes + "\n");
  try {
    parse_train_config({"--config", path});
    FAIL("a binary config was accepted");
  } catch (const Error& e) {
    const std::string message = e.what();
    CHECK(message.find("binary.ini:1: expected 'key = value', got '\\x01\\x02\\xff\\xfe\\x7f") != std::string::npos);
    CHECK(message.size() < std::string(path).size() + 140);
    for (const char c : message) CHECK((c >= 0x20 && c < 0x7f));
  }
  fs::remove(path);
}

TEST_CASE("config: a renamed key (decode.max_len) still reads, into its new key, with a line saying so") {
  const std::string path = write_config("renamed.ini", std::string(kBase) + "\n[decode]\nmax_len = 30\n");
  const Config c = parse_train_config({"--config", path});
  CHECK(c.decode.max_len_b == 30);
  CHECK(c.source.at("decode.max_len_b") == path + ":10 (as decode.max_len)");
  REQUIRE(c.deprecations.size() == 1);
  CHECK(c.deprecations[0] == path + ":10: decode.max_len is now decode.max_len_b (the old name still works)");
  CHECK(to_ini(c).find("max_len_b = 30") != std::string::npos);  // written under the new name
  CHECK(parse_train_config({"--config", path, "--decode.max_len=7"}).decode.max_len_b == 7);  // the command line wins
  CHECK(parse_train_config({"--decode.max_len=9"}).deprecations.size() == 1);
  CHECK(parse_train_config({"--config", path}).deprecations.size() == 1);
  CHECK(parse_train_config({"--config", write_config("plain.ini", kBase)}).deprecations.empty());
  CHECK_THROWS_WITH_AS(parse_train_config({"--config", path, "--decode.max_len_b=12"}),
                       doctest::Contains("decode.max_len is the old name of decode.max_len_b, which command line also sets: give one"),
                       Error);
  fs::remove(path);
}

TEST_CASE("config: model.layers still reads, into both model.encoder_layers and model.decoder_layers") {
  const std::string path = write_config("layers.ini", std::string(kBase) + "\n[model]\nlayers = 3\n");
  const Config c = parse_train_config({"--config", path});
  CHECK(c.model.encoder_layers == 3);
  CHECK(c.model.decoder_layers == 3);
  CHECK(c.source.at("model.decoder_layers") == path + ":10 (as model.layers)");
  REQUIRE(c.deprecations.size() == 1);
  CHECK(c.deprecations[0] ==
        path + ":10: model.layers is now model.encoder_layers and model.decoder_layers (the old name still works)");
  const std::string ini = to_ini(c);
  CHECK(ini.find("encoder_layers = 3\ndecoder_layers = 3\n") != std::string::npos);
  CHECK(ini.find("\nlayers = ") == std::string::npos);
  CHECK_THROWS_WITH_AS(parse_train_config({"--config", path, "--model.decoder_layers=1"}),
                       doctest::Contains("model.layers is the old name of model.decoder_layers, which command line also sets: give one"),
                       Error);
  const Config apart = parse_train_config({"--model.encoder_layers=1", "--model.decoder_layers=4"});
  CHECK(apart.model.encoder_layers == 1);
  CHECK(apart.model.decoder_layers == 4);
  CHECK(apart.deprecations.empty());
  fs::remove(path);
}

TEST_CASE("config: the model's default padding id is the vocabularies' <pad>") {
  CHECK(parse_train_config({}).model.pad_id == data::Vocab::kPad);
  CHECK(nn::TransformerOptions{}.pad_id == data::Vocab::kPad);
}
