// The commands that look inside a model or a run; see inspect.h.
#include "train/cli/inspect.h"

#include <boost/program_options.hpp>
#include <iostream>

#include "autograd/check.h"
#include "data/atomic_file.h"
#include "data/text.h"
#include "train/cli/options.h"
#include "train/insight/explain.h"
#include "train/insight/plots.h"
#include "train/insight/report.h"
#include "train/run/build.h"
#include "train/run/checkpoint.h"
#include "train/run/prepared_set.h"

namespace mt {
namespace po = boost::program_options;

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
  use_precision(vm);
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
    loaded.model = build_model(loaded.config, loaded.codec);                        // as training starts it
  }
  loaded.model->eval();
  explain(*loaded.model, loaded.codec.src_vocab, loaded.codec.tgt_vocab,
          loaded.codec.src_tokenizer->encode(vm["src"].as<std::string>()),
          loaded.codec.tgt_tokenizer->encode(vm["tgt"].as<std::string>()), std::cout);
  return 0;
}

int run_plot(const std::vector<std::string>& args) {
  po::options_description desc("minitrans plot RUN_DIR [--out FILE] (draws metrics.jsonl as SVG)");
  desc.add_options()("run", po::value<std::string>(), "run directory (or the first argument)")(
      "out", po::value<std::string>(), "the SVG file to write (default: RUN_DIR/curves.svg)")("help,h", "this help");
  po::positional_options_description positional;
  positional.add("run", 1);
  const auto parsed = parse_command(args, desc, positional);
  if (!parsed) return 0;
  const po::variables_map& vm = *parsed;
  MT_CHECK(vm.count("run"), "command line: usage: minitrans plot RUN_DIR [--out FILE]");
  const std::string dir = vm["run"].as<std::string>();
  const std::string out = vm.count("out") ? vm["out"].as<std::string>() : run_file(dir, "curves.svg");
  write_file_atomically(out, curves_svg(run_file(dir, "metrics.jsonl")));
  std::cerr << "wrote " << out << "\n";
  return 0;
}

int run_report(const std::vector<std::string>& args) {
  po::options_description desc("minitrans report RUN_DIR (writes RUN_DIR/report.html: the curves, the health, the tests)");
  desc.add_options()("run", po::value<std::string>(), "run directory (or the first argument)")("help,h", "this help");
  po::positional_options_description positional;
  positional.add("run", 1);
  const auto parsed = parse_command(args, desc, positional);
  if (!parsed) return 0;
  MT_CHECK(parsed->count("run"), "command line: usage: minitrans report RUN_DIR");
  const std::string dir = (*parsed)["run"].as<std::string>();
  const std::string out = run_file(dir, "report.html");
  write_file_atomically(out, run_report(dir));
  std::cerr << "wrote " << out << "\n";
  return 0;
}

}  // namespace mt
