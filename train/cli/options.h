// What the commands of train/cli/main.cpp share: parsing a command's options (or printing its
// help), and the decoding options of translate, eval and attention. Read next: main.cpp.
#pragma once

#include <boost/program_options.hpp>
#include <optional>
#include <string>
#include <vector>

#include "train/run/config.h"
#include "train/translate/decode.h"

namespace mt {

/// A command's options, or nothing once its help is printed (for --help or -h). Mistakes are
/// mt::Errors starting "command line:".
std::optional<boost::program_options::variables_map> parse_command(
    const std::vector<std::string>& args, const boost::program_options::options_description& desc,
    const boost::program_options::positional_options_description& positional = {});

/// Removes `flag` from args; whether it was there.
bool take_flag(std::vector<std::string>& args, const std::string& flag);
/// Removes `--name VALUE` or `--name=VALUE` from args and returns VALUE; nothing when absent. A
/// name without a value is an error.
std::optional<std::string> take_option(std::vector<std::string>& args, const std::string& name);

/// --checkpoint, --beam, --max-len-a, --max-len-b, --max-len, --length-penalty, --precision and --help.
void add_decode_options(boost::program_options::options_description& desc);
/// --precision: fp32 (the default), bf16 or auto, as train.precision.
void add_precision_option(boost::program_options::options_description& desc);
/// Sets the products' number format --precision asks for (bf16 on a CPU without it is an error).
void use_precision(const boost::program_options::variables_map& vm);
/// The run's decode options with the command line's --beam, --max-len-a, --max-len-b (or its
/// old name --max-len) and --length-penalty.
DecodeOptions decode_options(const boost::program_options::variables_map& vm, const Config& config);

}  // namespace mt
