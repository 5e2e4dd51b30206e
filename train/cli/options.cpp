// The options shared by the commands; see options.h.
#include "train/cli/options.h"

#include <algorithm>
#include <iostream>

#include "autograd/check.h"
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
  if (vm.count("max-len")) o.max_len = vm["max-len"].as<int64_t>();
  if (vm.count("length-penalty")) o.length_penalty = vm["length-penalty"].as<float>();
  MT_CHECK(o.beam >= 1, "command line: --beam must be >= 1, got ", o.beam);
  MT_CHECK(o.max_len >= 1, "command line: --max-len must be >= 1, got ", o.max_len);
  return o;
}

void add_decode_options(po::options_description& desc) {
  desc.add_options()("checkpoint", po::value<std::string>()->required(), "run directory of a trained model")(
      "beam", po::value<int64_t>(), "beam size (default: the run's decode.beam)")(
      "max-len", po::value<int64_t>(), "longest translation in tokens (default: the run's decode.max_len)")(
      "length-penalty", po::value<float>(), "beam search length normalization exponent")("help,h", "this help");
}

bool take_flag(std::vector<std::string>& args, const std::string& flag) {
  const auto at = std::find(args.begin(), args.end(), flag);
  if (at == args.end()) return false;
  args.erase(at);
  return true;
}

}  // namespace mt
