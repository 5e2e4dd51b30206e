// minitrans: the command. Thin on purpose: parse the arguments, build, run, and turn every
// mt::Error into one line on stderr and a non-zero exit.
//   minitrans train --config FILE [--section.key=value ...]   |   minitrans train --resume DIR [...]
//   minitrans prepare --config FILE [--verify]
//   minitrans translate | eval | score | average ...   (inference.h)
#include <algorithm>
#include <boost/program_options.hpp>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "autograd/check.h"
#include "autograd/random.h"
#include "autograd/threading.h"
#include "data/atomic_file.h"
#include "data/corpus_file.h"
#include "data/parallel_corpus.h"
#include "data/text.h"
#include "train/cli/bench.h"
#include "train/cli/inference.h"
#include "train/cli/job.h"
#include "train/cli/options.h"
#include "train/insight/explain.h"
#include "train/insight/plots.h"
#include "train/insight/report.h"
#include "train/loop/trainer.h"
#include "train/run/checkpoint.h"
#include "train/run/prepared_set.h"
#include "train/run/config.h"
#include "train/translate/evaluate.h"
#include "train/translate/stream.h"
#include "version_info.h"

namespace po = boost::program_options;
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

int run_train(std::vector<std::string> args) {
  if (launched_by_mpi()) Communicator::world();  // MPI's own handlers first, then ours
  watch_stop_signals();
  // --print-config: every effective option and where it came from, then exit without training.
  const bool print_config = take_flag(args, "--print-config");
  const bool overwrite = take_flag(args, "--overwrite");
  std::replace(args.begin(), args.end(), std::string("--profile"), std::string("--train.profile=true"));  // short form
  // --resume DIR: the run's own config.ini, with any overrides given after it.
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--resume" || args[i].rfind("--resume=", 0) == 0) {
      std::string dir = args[i] == "--resume" ? (i + 1 < args.size() ? args[i + 1] : "") : args[i].substr(9);
      MT_CHECK(!dir.empty(), "command line: --resume needs a run directory");
      std::vector<std::string> overrides;
      for (size_t j = 0; j < args.size(); ++j) {
        if (j == i || (args[i] == "--resume" && j == i + 1)) continue;
        overrides.push_back(args[j]);
      }
      overrides.push_back("--train.run_dir=" + dir);
      MT_CHECK(!overwrite, "command line: --resume continues a run and --overwrite replaces it: give one");
      const Config config = load_config(run_file(dir, "config.ini"), overrides);
      if (print_config) {
        std::cout << describe_config(config);
        return 0;
      }
      return finish_train(train(config, Start::kResume, std::cerr));
    }
  }
  std::string help;
  const Config config = parse_train_config(args, &help);
  if (!help.empty()) {
    std::cout << "usage: minitrans train --config FILE [--section.key=value ...] | --resume RUN_DIR\n"
                 "       [--overwrite: replace the run train.run_dir holds (without it, a finished run there\n"
                 "        reports itself and another run is refused)]\n"
                 "       [--print-config: print every effective option and its source, then exit]\n"
                 "       [--profile: the same as --train.profile=true]\n\n"
              << help;
    return 0;
  }
  if (print_config) {
    std::cout << describe_config(config);
    return 0;
  }
  if (!overwrite && report_finished_run(config, std::cerr)) return 0;
  return finish_train(train(config, overwrite ? Start::kOverwrite : Start::kNew, std::cerr));
}

int run_prepare(std::vector<std::string> args) {
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

int run_attention(const std::vector<std::string>& args) {
  po::options_description desc("minitrans attention (translates one sentence and draws every attention as SVG)");
  add_decode_options(desc);
  desc.add_options()("src", po::value<std::string>()->required(), "the source sentence")(
      "tgt", po::value<std::string>()->default_value(""), "draw this target instead of the model's translation")(
      "out", po::value<std::string>()->default_value("attention.svg"), "the SVG file to write")(
      "average", "one panel per layer, averaged over heads, instead of one per head");
  const auto parsed = parse_command(args, desc);
  if (!parsed) return 0;
  const po::variables_map& vm = *parsed;
  const std::string dir = vm["checkpoint"].as<std::string>();
  const LoadedModel loaded = load_for_inference(dir);
  const SentenceAttention a =
      attend_sentence(loaded, vm["src"].as<std::string>(), vm["tgt"].as<std::string>(), decode_options(vm, loaded.config));
  const std::string out = vm["out"].as<std::string>();
  write_file_atomically(out, attention_svg(a.maps, vm.count("average") > 0,
                                           data::join(a.src_tokens) + "  \u2192  " + data::join(a.output_tokens)));
  std::cout << data::join(a.output_tokens) << "\n";
  std::cerr << "wrote " << out << ": " << a.maps.size() << " attention modules"
            << (vm.count("average") ? ", averaged over heads" : ", every head") << "\n";
  return 0;
}

int run_explain(const std::vector<std::string>& args) {
  po::options_description desc("minitrans explain (one sentence pair, every tensor on the way)");
  desc.add_options()("config", po::value<std::string>(), "an untrained model from this config (vocabularies from its training data)")(
      "checkpoint", po::value<std::string>(), "a trained run directory")(
      "src", po::value<std::string>()->required(), "the source sentence")(
      "tgt", po::value<std::string>()->required(), "the target sentence")("help,h", "this help");
  const auto parsed = parse_command(args, desc);
  if (!parsed) return 0;
  const po::variables_map& vm = *parsed;
  MT_CHECK(vm.count("config") + vm.count("checkpoint") == 1, "command line: give --config FILE or --checkpoint RUN_DIR");
  LoadedModel loaded;
  if (vm.count("checkpoint")) {
    loaded = load_for_inference(vm["checkpoint"].as<std::string>());
  } else {
    loaded.config = load_config(vm["config"].as<std::string>());
    loaded.codec = prepare_training_set(loaded.config, nullptr, std::cerr).codec;  // the set's vocabularies
    manual_seed(static_cast<uint64_t>(loaded.config.train.seed));
    loaded.model = std::make_unique<nn::Transformer>(
        model_options(loaded.config, loaded.codec.src_vocab.size(), loaded.codec.tgt_vocab.size()));
  }
  loaded.model->eval();
  explain(*loaded.model, loaded.codec.src_vocab, loaded.codec.tgt_vocab,
          loaded.codec.src_tokenizer->encode(vm["src"].as<std::string>()),
          loaded.codec.tgt_tokenizer->encode(vm["tgt"].as<std::string>()), std::cout);
  return 0;
}

int run_plot(const std::vector<std::string>& args) {
  po::options_description desc("minitrans plot RUN_DIR (draws metrics.jsonl as SVG)");
  desc.add_options()("run", po::value<std::string>()->required(), "run directory")(
      "out", po::value<std::string>(), "the SVG file to write (default: RUN_DIR/curves.svg)")("help,h", "this help");
  po::positional_options_description positional;
  positional.add("run", 1);
  const auto parsed = parse_command(args, desc, positional);
  if (!parsed) return 0;
  const po::variables_map& vm = *parsed;
  const std::string dir = vm["run"].as<std::string>();
  const std::string out = vm.count("out") ? vm["out"].as<std::string>() : run_file(dir, "curves.svg");
  write_file_atomically(out, curves_svg(run_file(dir, "metrics.jsonl")));
  std::cerr << "wrote " << out << "\n";
  return 0;
}

int run_report_command(const std::vector<std::string>& args) {
  MT_CHECK(args.size() == 1 && args[0].rfind("--", 0) != 0, "command line: usage: minitrans report RUN_DIR");
  const std::string out = run_file(args[0], "report.html");
  write_file_atomically(out, run_report(args[0]));
  std::cerr << "wrote " << out << "\n";
  return 0;
}

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
  try {
    if (command == "train") return run_train(args);
    if (command == "prepare") return run_prepare(args);
    if (command == "translate") return run_translate(args);
    if (command == "eval") return run_eval(args);
    if (command == "score") return run_score(args);
    if (command == "average") return run_average(args);
    if (command == "bench") return run_bench_command(args);
    if (command == "attention") return run_attention(args);
    if (command == "plot") return run_plot(args);
    if (command == "explain") return run_explain(args);
    if (command == "report") return run_report_command(args);
    std::cerr << "minitrans: unknown command '" << command << "'\n" << kUsage;
    return 2;
  } catch (const Error& e) {
    return fail(e.what());
  } catch (const std::exception& e) {
    return fail(option_error_message(e));
  }
}
