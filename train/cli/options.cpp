// The options shared by the commands; see options.h.
#include "train/cli/options.h"

#include <algorithm>
#include <iostream>

#include "autograd/check.h"
#include "train/run/build.h"
#include "train/loop/trainer.h"
#include "train/run/config.h"

namespace mt {
namespace po = boost::program_options;

std::optional<po::variables_map> parse_command(const std::vector<std::string>& args,
                                               const po::options_description& desc,
                                               const po::positional_options_description& positional) {
  if (std::find(args.begin(), args.end(), "--help") != args.end() ||
      std::find(args.begin(), args.end(), "-h") != args.end()) {
    std::cout << desc;
    return std::nullopt;
  }
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(args).options(desc).positional(positional).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    throw Error(str("command line: ", option_error_message(e)));
  }
  return vm;
}

DecodeOptions decode_options(const po::variables_map& vm, const Config& config) {
  DecodeOptions o = test_decoding(config);  // the run's [decode] options
  if (vm.count("beam")) o.beam = vm["beam"].as<int64_t>();
  MT_CHECK(vm.count("max-len") + vm.count("max-len-b") <= 1, "command line: --max-len is --max-len-b: give one");
  if (vm.count("max-len-a")) o.max_len_a = vm["max-len-a"].as<float>();
  if (vm.count("max-len")) o.max_len_b = vm["max-len"].as<int64_t>();
  if (vm.count("max-len-b")) o.max_len_b = vm["max-len-b"].as<int64_t>();
  if (vm.count("length-penalty")) o.length_penalty = vm["length-penalty"].as<float>();
  MT_CHECK(o.beam >= 1, "command line: --beam must be >= 1, got ", o.beam);
  MT_CHECK(o.max_len_a >= 0.0f && o.max_len_b >= 0, "command line: --max-len-a and --max-len-b must be >= 0, got ",
           o.max_len_a, " and ", o.max_len_b);
  MT_CHECK(o.max_len_a > 0.0f || o.max_len_b >= 1, "command line: the length limit ", o.max_len_a, " x |source| + ",
           o.max_len_b, " allows no output");
  return o;
}

void add_decode_options(po::options_description& desc) {
  desc.add_options()("checkpoint", po::value<std::string>()->required(), "run directory of a trained model")(
      "beam", po::value<int64_t>(), "beam size (default: the run's decode.beam)")(
      "max-len-a", po::value<float>(), "output at most A x source tokens + B tokens (default: the run's decode.max_len_a)")(
      "max-len-b", po::value<int64_t>(), "B of that limit (default: the run's decode.max_len_b)")(
      "max-len", po::value<int64_t>(), "the same as --max-len-b (its old name)")(
      "length-penalty", po::value<float>(), "beam search length normalization exponent")("help,h", "this help");
  add_precision_option(desc);
}

void add_precision_option(po::options_description& desc) {
  desc.add_options()("precision", po::value<std::string>()->default_value("fp32"),
                     "matrix products: fp32, bf16 (needs AVX512_BF16 or AMX) or auto (bf16 where the CPU has it)");
}

void use_precision(const po::variables_map& vm) {
  const std::string name = vm["precision"].as<std::string>();
  MT_CHECK(name == "fp32" || name == "bf16" || name == "auto", "command line: --precision must be fp32, bf16 or auto, got '",
           name, "'");
  const TrainPrecision asked =
      name == "bf16" ? TrainPrecision::kBf16 : name == "auto" ? TrainPrecision::kAuto : TrainPrecision::kFp32;
  set_matmul_precision(resolve_precision(asked, {"command line: --precision bf16", "--precision fp32"}));
}

bool take_flag(std::vector<std::string>& args, const std::string& flag) {
  const auto at = std::find(args.begin(), args.end(), flag);
  if (at == args.end()) return false;
  args.erase(at);
  return true;
}

std::optional<std::string> take_option(std::vector<std::string>& args, const std::string& name) {
  for (auto at = args.begin(); at != args.end(); ++at) {
    if (*at == name) {
      MT_CHECK(at + 1 != args.end() && !(at + 1)->empty(), "command line: ", name, " needs a value");
      std::string value = *(at + 1);
      args.erase(at, at + 2);
      return value;
    }
    if (at->rfind(name + "=", 0) == 0) {
      std::string value = at->substr(name.size() + 1);
      MT_CHECK(!value.empty(), "command line: ", name, " needs a value");
      args.erase(at);
      return value;
    }
  }
  return std::nullopt;
}

}  // namespace mt
