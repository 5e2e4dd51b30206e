// minitrans: the command. Thin on purpose: find the command by name, run it, and turn every
// mt::Error into one line on stderr and a non-zero exit. The commands live in training.h (train,
// prepare), inference.h (translate, eval, score, average), inspect.h (attention, explain, plot,
// report) and bench.h.
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "autograd/check.h"
#include "autograd/threading.h"
#include "train/cli/bench.h"
#include "train/cli/inference.h"
#include "train/cli/inspect.h"
#include "train/cli/job.h"
#include "train/cli/training.h"
#include "train/run/config.h"
#include "version_info.h"

using namespace mt;

namespace {

constexpr const char* kUsage =
    "usage: minitrans <command> [options]\n"
    "  train      train a model:   minitrans train --config configs/toy.ini [--section.key=value ...]\n"
    "             or resume one:   minitrans train --resume RUN_DIR [--train.max_steps=N ...]\n"
    "  prepare    prepare the training set: minitrans prepare --config F [--verify] (train does it too)\n"
    "  translate  translate stdin: minitrans translate --checkpoint RUN_DIR [--beam N] < src.txt > hyp.txt\n"
    "             or a file:       minitrans translate --checkpoint RUN_DIR --input F[.gz] [--tsv] [--maxi-batch N]\n"
    "             n-best lists, scores: ... [--beam 5 --n-best 5] [--scores] [--format jsonl] [--max-len-a A --max-len-b B]\n"
    "  eval       score a test set: minitrans eval --checkpoint RUN_DIR --src F --ref F | --tsv F [--beam N] [--json]\n"
    "  score      log-probabilities: minitrans score --checkpoint RUN_DIR --src F --tgt F | --tsv F  (or TSV on stdin)\n"
    "  average    average checkpoints: minitrans average RUN_DIR [--last N] --out NEW_DIR  (train.keep_last = N)\n"
    "  bench      training speed:  minitrans bench --preset toy|small|base [--threads N] [--steps N]\n"
    "  attention  draw attention:  minitrans attention --checkpoint RUN_DIR --src \"a sentence\" [--out F.svg]\n"
    "  plot       training curves: minitrans plot RUN_DIR [--out F.svg]\n"
    "  report     one HTML page:   minitrans report RUN_DIR   (RUN_DIR/report.html; training writes it too)\n"
    "  explain    every tensor:    minitrans explain --checkpoint RUN_DIR | --config F --src \"...\" --tgt \"...\"\n"
    "Run 'minitrans <command> --help' for the options of a command; 'minitrans --version' for the build.\n";

// Every command, by name: the function that runs it with the arguments after the name.
using Command = int (*)(const std::vector<std::string>&);
const std::map<std::string, Command> kCommands = {
    {"train", run_train},
    {"prepare", run_prepare},
    {"translate", run_translate},
    {"eval", run_eval},
    {"score", run_score},
    {"average", run_average},
    {"bench", run_bench_command},
    {"attention", run_attention},
    {"plot", run_plot},
    {"explain", run_explain},
    {"report", run_report},
};

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h") {
    std::cout << kUsage;
    return argc < 2 ? 2 : 0;
  }
  if (std::string(argv[1]) == "--version") {
    std::cout << "minitrans " MINITRANS_VERSION " (git " MINITRANS_GIT_COMMIT ", " MINITRANS_BUILD_TYPE " build)\n"
              << matmul_library() << ", SentencePiece " MINITRANS_SENTENCEPIECE_VERSION "\n";
    return 0;
  }
  const std::string command = argv[1];
  const std::vector<std::string> args(argv + 2, argv + argc);
  const auto found = kCommands.find(command);
  if (found == kCommands.end()) {
    std::cerr << "minitrans: unknown command '" << command << "'\n" << kUsage;
    return 2;
  }
  try {
    return found->second(args);
  } catch (const Error& e) {
    return fail(e.what());
  } catch (const std::exception& e) {
    return fail(option_error_message(e));
  }
}
