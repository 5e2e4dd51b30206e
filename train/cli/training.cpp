// The training commands, train and prepare; see training.h.
#include "train/cli/training.h"

#include <algorithm>
#include <iostream>
#include <optional>

#include "autograd/check.h"
#include "train/cli/job.h"
#include "train/cli/options.h"
#include "train/loop/trainer.h"
#include "train/run/config.h"
#include "train/run/prepared_set.h"

namespace mt {

int run_train(const std::vector<std::string>& arguments) {
  std::vector<std::string> args = arguments;  // the flags below are taken out of it
  if (launched_by_mpi()) Communicator::world();  // MPI's own handlers first, then ours
  watch_stop_signals();
  // --print-config: every effective option and where it came from, then exit without training.
  const bool print_config = take_flag(args, "--print-config");
  const bool overwrite = take_flag(args, "--overwrite");
  std::replace(args.begin(), args.end(), std::string("--profile"), std::string("--train.profile=true"));  // short form
  // --resume DIR: the run's own config.ini, with any overrides given after it.
  const std::optional<std::string> resume = take_option(args, "--resume");
  Config config;
  if (resume) {
    MT_CHECK(!overwrite, "command line: --resume continues a run and --overwrite replaces it: give one");
    args.push_back("--train.run_dir=" + *resume);
    config = load_config(run_file(*resume, "config.ini"), args);
  } else {
    std::string help;
    config = parse_train_config(args, &help);
    if (!help.empty()) {
      std::cout << "usage: minitrans train --config FILE [--section.key=value ...] | --resume RUN_DIR\n"
                   "       [--overwrite: replace the run train.run_dir holds (without it, a finished run there\n"
                   "        reports itself and another run is refused)]\n"
                   "       [--print-config: print every effective option and its source, then exit]\n"
                   "       [--profile: the same as --train.profile=true]\n\n"
                << help;
      return 0;
    }
  }
  if (print_config) {
    std::cout << describe_config(config);
    return 0;
  }
  if (resume) return finish_train(train(config, Start::kResume, std::cerr));
  training_corpora(config.data);  // a new run needs training data: said before its directory is made
  if (!overwrite && report_finished_run(config, std::cerr)) return 0;
  return finish_train(train(config, overwrite ? Start::kOverwrite : Start::kNew, std::cerr));
}

int run_prepare(const std::vector<std::string>& arguments) {
  std::vector<std::string> args = arguments;
  const bool verify = take_flag(args, "--verify");
  std::string help;
  const Config config = parse_train_config(args, &help);
  if (!help.empty()) {
    std::cout << "usage: minitrans prepare --config FILE [--section.key=value ...] [--verify]\n"
                 "  Reads, cleans and encodes the training corpora into the data cache (train does it when needed),\n"
                 "  and says what was skipped and why; --verify also reads the whole set back and checks it.\n\n"
              << help;
    return 0;
  }
  const PreparedSet set = prepare_training_set(config, nullptr, std::cerr);
  if (verify) verify_prepared_set(set);
  std::cout << describe_prepared_set(set)
            << (verify ? "verified: the CRC-32 of examples.bin, every id within its vocabulary, the counts\n" : "");
  return 0;
}

}  // namespace mt
