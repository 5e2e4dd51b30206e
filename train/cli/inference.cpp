// The commands that use a trained model; see inference.h.
#include "train/cli/inference.h"

#include <boost/program_options.hpp>
#include <iostream>
#include <memory>

#include "autograd/check.h"
#include "autograd/threading.h"
#include "data/corpus_file.h"
#include "data/parallel_corpus.h"
#include "train/cli/options.h"
#include "train/run/average.h"
#include "train/run/checkpoint.h"
#include "train/translate/evaluate.h"
#include "train/translate/score.h"
#include "train/translate/stream.h"

namespace mt {
namespace po = boost::program_options;
namespace {

// --threads, shared by translate and score.
void use_threads(const po::variables_map& vm) {
  const int64_t threads = vm["threads"].as<int64_t>();
  MT_CHECK(threads >= 0, "command line: --threads must be >= 0, got ", threads);
  if (threads > 0) set_num_threads(static_cast<int>(threads));
}

std::unique_ptr<data::LineReader> open_input(const std::string& path) {
  return path == "-" ? std::make_unique<data::LineReader>(std::cin, "stdin") : std::make_unique<data::LineReader>(path);
}

void add_stream_options(po::options_description& desc) {
  desc.add_options()("maxi-batch", po::value<int64_t>()->default_value(4000), "lines read, processed and written at a time")(
      "batch-tokens", po::value<int64_t>(), "source tokens per batch, beams counted (default: 4 x the run's data.max_tokens)")(
      "threads", po::value<int64_t>()->default_value(0), "threads (0: all cores)")(
      "format", po::value<std::string>()->default_value("text"), "text, or jsonl: one JSON object a line, for programs");
}

bool jsonl_format(const po::variables_map& vm) {
  const std::string format = vm["format"].as<std::string>();
  MT_CHECK(format == "text" || format == "jsonl", "command line: --format must be text or jsonl, got '", format, "'");
  return format == "jsonl";
}

}  // namespace

int run_translate(const std::vector<std::string>& args) {
  po::options_description desc("minitrans translate (reads stdin or --input, one sentence per line; writes stdout "
                               "as it goes, one line per input line, or --n-best lines)");
  add_decode_options(desc);
  add_stream_options(desc);
  desc.add_options()("input", po::value<std::string>()->default_value("-"), "file to translate, plain or .gz (-: stdin)")(
      "tsv", "input lines are source<TAB>target: translate the source")(
      "n-best", po::value<int64_t>(), "write the K best translations as 'i ||| translation ||| score' (K <= beam)")(
      "scores", "write 'translation<TAB>score': the log-probability / length^length_penalty");
  const auto parsed = parse_command(args, desc);
  if (!parsed) return 0;
  const po::variables_map& vm = *parsed;
  const LoadedModel loaded = load_for_inference(vm["checkpoint"].as<std::string>());
  DecodeOptions decode = decode_options(vm, loaded.config);
  if (vm.count("batch-tokens")) decode.max_tokens = vm["batch-tokens"].as<int64_t>();
  MT_CHECK(decode.max_tokens >= 1, "command line: --batch-tokens must be >= 1, got ", decode.max_tokens);
  StreamOptions stream{.maxi_batch = vm["maxi-batch"].as<int64_t>(), .tsv = vm.count("tsv") > 0,
                       .format = jsonl_format(vm) ? OutputFormat::kJsonl : OutputFormat::kText,
                       .scores = vm.count("scores") > 0};
  if (vm.count("n-best")) {
    decode.n_best = vm["n-best"].as<int64_t>();
    MT_CHECK(decode.n_best >= 1 && decode.n_best <= decode.beam, "command line: --n-best ", decode.n_best,
             " must be between 1 and the beam size ", decode.beam, " (give --beam ", std::max<int64_t>(decode.n_best, 1),
             " or more)");
    if (stream.format == OutputFormat::kText) stream.format = OutputFormat::kNBest;
  }
  MT_CHECK(!(stream.scores && stream.format != OutputFormat::kText), "command line: --scores is for text output; "
           "--n-best and --format jsonl write scores already");
  use_threads(vm);
  use_precision(vm);
  const auto in = open_input(vm["input"].as<std::string>());
  const StreamCounts counts = translate_stream(*loaded.model, loaded.codec, *in, std::cout, decode, stream);
  if (counts.cut > 0) {
    std::cerr << "translate: " << counts.cut << " of " << counts.lines << " sources were longer than the model's "
              << loaded.model->options.max_positions << " positions and were translated from their first "
              << loaded.model->options.max_positions << " pieces\n";
  }
  return 0;
}

int run_score(const std::vector<std::string>& args) {
  po::options_description desc("minitrans score (each pair's log-probability under the model, teacher-forced: "
                               "'sum<TAB>mean' a line, the sum over the target's pieces and <eos>)");
  desc.add_options()("checkpoint", po::value<std::string>()->required(), "run directory of a trained model")(
      "src", po::value<std::string>(), "source sentences, one per line (plain or .gz)")(
      "tgt", po::value<std::string>(), "their translations, aligned with --src (plain or .gz)")(
      "tsv", po::value<std::string>(), "source<TAB>translation lines instead (plain or .gz; -: stdin, the default)")(
      "help,h", "this help");
  add_stream_options(desc);
  add_precision_option(desc);
  const auto parsed = parse_command(args, desc);
  if (!parsed) return 0;
  const po::variables_map& vm = *parsed;
  MT_CHECK(vm.count("src") == vm.count("tgt") && !(vm.count("src") && vm.count("tsv")),
           "command line: give --src FILE and --tgt FILE, or --tsv FILE (or source<TAB>translation lines on stdin)");
  const LoadedModel loaded = load_for_inference(vm["checkpoint"].as<std::string>());
  const int64_t max_tokens =
      vm.count("batch-tokens") ? vm["batch-tokens"].as<int64_t>() : inference_batch_tokens(loaded.config.data);
  MT_CHECK(max_tokens >= 1, "command line: --batch-tokens must be >= 1, got ", max_tokens);
  use_threads(vm);
  use_precision(vm);
  const bool jsonl = jsonl_format(vm);
  std::unique_ptr<data::PairReader> in;
  if (vm.count("src")) {
    data::CorpusFiles files;
    files.src = vm["src"].as<std::string>();
    files.tgt = vm["tgt"].as<std::string>();
    in = std::make_unique<data::PairReader>(files);
  } else {
    in = std::make_unique<data::PairReader>(std::move(*open_input(vm.count("tsv") ? vm["tsv"].as<std::string>() : "-")));
  }
  const ScoreCounts counts = score_stream(*loaded.model, loaded.codec, *in, std::cout, max_tokens,
                                          vm["maxi-batch"].as<int64_t>(), jsonl);
  if (counts.cut > 0) {
    std::cerr << "score: " << counts.cut << " of " << counts.pairs << " pairs had a side longer than the model's "
              << loaded.model->options.max_positions << " positions and were scored as cut to them\n";
  }
  return 0;
}

int run_average(const std::vector<std::string>& args) {
  po::options_description desc("minitrans average RUN_DIR... | CHECKPOINT... --out DIR (the mean of checkpoints, "
                               "as a run directory that translates like any other)");
  desc.add_options()("inputs", po::value<std::vector<std::string>>()->multitoken(),
                     "run directories (their kept checkpoint-STEP.safetensors) or checkpoint files")(
      "out", po::value<std::string>()->required(), "the run directory to write (new, or without a model)")(
      "last", po::value<int64_t>()->default_value(0), "of each run directory, its last N kept checkpoints (0: all)")(
      "help,h", "this help");
  po::positional_options_description positional;
  positional.add("inputs", -1);
  const auto parsed = parse_command(args, desc, positional);
  if (!parsed) return 0;
  const po::variables_map& vm = *parsed;
  MT_CHECK(vm.count("inputs"), "command line: give run directories or checkpoint files to average");
  const std::string out = vm["out"].as<std::string>();
  const std::vector<std::string> files =
      average_checkpoints({.paths = vm["inputs"].as<std::vector<std::string>>(), .last = vm["last"].as<int64_t>()}, out);
  std::cerr << "averaged " << files.size() << " checkpoints into " << out << "/model.safetensors:";
  for (const std::string& f : files) std::cerr << " " << f;
  std::cerr << "\n";
  return 0;
}

int run_eval(const std::vector<std::string>& args) {
  po::options_description desc("minitrans eval");
  add_decode_options(desc);
  desc.add_options()("src", po::value<std::string>(), "source sentences, one per line (plain or .gz)")(
      "ref", po::value<std::string>(), "reference translations, aligned with --src (plain or .gz)")(
      "tsv", po::value<std::string>(), "source<TAB>reference lines instead of --src and --ref (plain or .gz)")(
      "json", "print one JSON object instead of text (with the --show translations inside it)")(
      "show", po::value<int64_t>()->default_value(0), "print this many translations next to their references");
  const auto parsed = parse_command(args, desc);
  if (!parsed) return 0;
  const po::variables_map& vm = *parsed;
  MT_CHECK(vm.count("tsv") ? vm.count("src") + vm.count("ref") == 0 : vm.count("src") + vm.count("ref") == 2,
           "command line: give --src FILE and --ref FILE, or --tsv FILE");
  use_precision(vm);
  const LoadedModel loaded = load_for_inference(vm["checkpoint"].as<std::string>());
  const auto text = vm.count("tsv") ? data::read_tsv_text(vm["tsv"].as<std::string>())
                                    : data::read_parallel_text(vm["src"].as<std::string>(), vm["ref"].as<std::string>());
  const auto pairs = data::tokenize_pairs(text, *loaded.codec.src_tokenizer, *loaded.codec.tgt_tokenizer);
  const EvalResult r = evaluate(*loaded.model, loaded.codec, pairs, decode_options(vm, loaded.config));
  const int64_t show = vm["show"].as<int64_t>();
  if (vm.count("json")) {
    std::cout << eval_json(r, pairs, show) << "\n";
    return 0;
  }
  for (int64_t i = 0; i < std::min<int64_t>(show, r.sentences); ++i) {
    std::cout << "src: " << pairs[i].src_text << "\nref: " << r.references[i] << "\nhyp: " << r.hypotheses[i]
              << "\n";
  }
  std::cout << eval_text(r) << "\n";
  return 0;
}

}  // namespace mt
