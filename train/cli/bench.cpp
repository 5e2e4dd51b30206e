// The training-speed benchmark; see bench.h.
#include "train/cli/bench.h"

#include <boost/program_options.hpp>
#include <iostream>

#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <numeric>

#include "autograd/check.h"
#include "autograd/precision.h"
#include "autograd/threading.h"
#include "autograd/ops.h"
#include "autograd/profiler.h"
#include "autograd/random.h"
#include "nn/transformer.h"
#include "data/atomic_file.h"
#include "data/corpus_file.h"
#include "data/parallel_corpus.h"
#include "train/cli/options.h"
#include "train/run/checkpoint.h"
#include "train/translate/evaluate.h"
#include "train/optim/optimizer.h"

namespace mt {
namespace po = boost::program_options;
namespace {

struct Preset {
  int64_t d, heads, layers, ff, vocab, batch, len, steps;
};

const std::map<std::string, Preset> kPresets = {
    {"toy", {64, 4, 2, 256, 32, 64, 10, 50}},
    {"small", {256, 8, 3, 512, 8000, 128, 14, 10}},
    {"base", {512, 8, 6, 2048, 8000, 64, 25, 4}},
};

// The batch: src [B, L], tgt_in [B, L], tgt_out [B·L] (padding id 0).
struct BenchBatch {
  IntTensor src, tgt_in, tgt_out;
  int64_t tgt_tokens = 0;  // non-pad targets
};

// Our own batch, when no file is given: source lengths n uniform in [L/2, L], the decoder reading
// n tokens and predicting n, ids uniform in [3, V).
BenchBatch generated_batch(const Preset& p) {
  const uint64_t seed = 1;
  uint64_t counter = 0;
  auto draw = [&](int64_t lo, int64_t hi) { return lo + static_cast<int64_t>(random_bits(seed, counter++) % (hi - lo)); };
  const int64_t b = p.batch, l = p.len;
  std::vector<int32_t> src(b * l, 0), tgt_in(b * l, 0), tgt_out(b * l, 0);
  for (int64_t i = 0; i < b; ++i) {
    const int64_t n = draw(l / 2, l + 1);
    for (int64_t j = 0; j < n; ++j) src[i * l + j] = static_cast<int32_t>(draw(3, p.vocab));
    std::vector<int32_t> tgt(n + 1);  // the model reads tokens 0..n-1 and predicts 1..n
    for (auto& t : tgt) t = static_cast<int32_t>(draw(3, p.vocab));
    for (int64_t j = 0; j < n; ++j) tgt_in[i * l + j] = tgt[j], tgt_out[i * l + j] = tgt[j + 1];
  }
  BenchBatch batch{IntTensor(src, {b, l}), IntTensor(tgt_in, {b, l}), IntTensor(tgt_out, {b * l})};
  for (const int32_t t : tgt_out) batch.tgt_tokens += t != 0;
  return batch;
}

// The batch bench/make_batch.py wrote (the reference's own ids): blocks "NAME B L" + B lines of L ids.
BenchBatch read_batch(const std::string& path, const Preset& p) {
  std::ifstream in(path);
  MT_CHECK(in.good(), path, ": cannot open the batch file");
  std::vector<IntTensor> blocks;
  for (const char* expected : {"src", "tgt_in", "tgt_out"}) {
    std::string name;
    int64_t b = 0, l = 0;
    MT_CHECK(in >> name >> b >> l && name == expected && b > 0 && l > 0, path, ": expected a block '", expected,
             " B L'");
    std::vector<int32_t> ids(b * l);
    for (int32_t& id : ids) {
      MT_CHECK(in >> id && id >= 0 && id < p.vocab, path, ": block ", expected, " needs ", b * l,
               " ids in [0, ", p.vocab, ")");
    }
    blocks.emplace_back(std::move(ids), Shape{b, l});
  }
  MT_CHECK(blocks[0].shape[0] == blocks[1].shape[0] && blocks[1].shape == blocks[2].shape, path,
           ": src ", blocks[0].shape, ", tgt_in ", blocks[1].shape, " and tgt_out ", blocks[2].shape, " do not match");
  BenchBatch batch{blocks[0], blocks[1], IntTensor(blocks[2].values, {blocks[2].numel()})};
  for (const int32_t t : blocks[2].values) batch.tgt_tokens += t != 0;
  return batch;
}

double peak_rss_mb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss / 1024.0;
}

// --threads: n > 0 threads, or 0 for the cores this process may use (the default, as train.threads).
void use_bench_threads(int64_t threads) {
  MT_CHECK(threads >= 0, "bench: --threads must be >= 0 (0: all cores), got ", threads);
  if (threads > 0) set_num_threads(static_cast<int>(threads));
}

}  // namespace

std::string run_benchmark(const BenchOptions& o) {
  const auto it = kPresets.find(o.preset);
  MT_CHECK(it != kPresets.end(), "bench: unknown preset '", o.preset, "' (expected toy, small or base)");
  const Preset& p = it->second;
  use_bench_threads(o.threads);
  const int64_t steps = o.steps > 0 ? o.steps : p.steps;

  manual_seed(0);
  nn::Transformer model({.src_vocab = p.vocab, .tgt_vocab = p.vocab,
                         .layer = {.d_model = p.d, .heads = p.heads, .ff_dim = p.ff, .dropout = 0.1f},
                         .encoder_layers = p.layers, .decoder_layers = p.layers, .embedding_dropout = false,
                         .max_positions = 1024, .pad_id = 0});
  Adam adam(model.parameters(), {.lr = 1e-4f, .beta1 = 0.9f, .beta2 = 0.98f, .eps = 1e-9f});

  const BenchBatch batch = o.batch_file.empty() ? generated_batch(p) : read_batch(o.batch_file, p);
  // As a training batch has them: packed (the real positions only), or every position (--padded,
  // to see what skipping the padding buys).
  auto layout = [&](const IntTensor& ids) {
    return o.padded ? nn::SequenceLayout::padded(ids, 0) : nn::SequenceLayout::packed(ids, 0);
  };
  const nn::SequenceLayout src_layout = layout(batch.src), tgt_layout = layout(batch.tgt_in);
  const int64_t tgt_tokens = batch.tgt_tokens;

  double loss = 0.0;
  auto step = [&] {
    adam.zero_grad();
    const nn::TargetLogits out = model.forward_targets(batch.src, src_layout, batch.tgt_in, tgt_layout, batch.tgt_out);
    const Tensor l = cross_entropy(out.logits, out.targets, 0);
    l.backward();
    adam.step();
    loss = l.item();
  };
  step();
  step();
  if (o.profile) set_profiling(true);
  const int64_t flops_before = matmul_flops();
  const auto start = std::chrono::steady_clock::now();
  for (int64_t i = 0; i < steps; ++i) step();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() / steps;
  const double flops = static_cast<double>(matmul_flops() - flops_before) / steps;
  if (o.profile) {
    set_profiling(false);
    std::fprintf(stderr, "%s", profile_report(steps).c_str());
  }
  char json[512];
  std::snprintf(json, sizeof(json),
                "{\"impl\": \"minitrans%s\", \"preset\": \"%s\", \"precision\": \"%s\", \"threads\": %lld, "
                "\"params\": %lld, \"tgt_tokens\": %lld, "
                "\"step_ms\": %.3f, \"tgt_tokens_per_s\": %.1f, \"last_loss\": %.4f, \"peak_rss_mb\": %.1f, "
                "\"matmul_flops_per_step\": %.0f, \"matmul_gflops_per_s\": %.1f}",
                o.padded ? " (padded)" : "", o.preset.c_str(), precision_name(matmul_precision()).c_str(),
                (long long)num_threads(), (long long)model.parameter_count(), (long long)tgt_tokens,
                seconds * 1e3, tgt_tokens / seconds, loss, peak_rss_mb(), flops, flops / seconds / 1e9);
  return json;
}

std::string run_decode_benchmark(const DecodeBenchOptions& o) {
  use_bench_threads(o.threads);
  const LoadedModel loaded = load_for_inference(o.run_dir);
  std::ifstream in(o.src);
  MT_CHECK(in.good(), o.src, ": cannot open");
  MT_CHECK(o.batch >= 1 && o.max_len >= 1, "bench: --batch and --max-len must be >= 1");
  const std::vector<std::string> sentences = data::read_lines(in, o.src);
  std::vector<size_t> lengths;  // in source tokens
  for (const std::string& s : sentences) lengths.push_back(loaded.codec.src_tokenizer->encode(s).size());
  // The batching of bench/torch_decode.py: sentences by length (stable), o.batch at a time, each
  // batch decoded as one; the first batch once before the clock starts.
  std::vector<size_t> order(sentences.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return lengths[a] < lengths[b]; });
  std::vector<std::vector<std::string>> batches;
  for (size_t i = 0; i < order.size(); i += o.batch) {
    batches.emplace_back();
    for (size_t j = i; j < std::min(order.size(), i + o.batch); ++j) batches.back().push_back(sentences[order[j]]);
  }
  const DecodeOptions options{.beam = o.beam, .max_len_b = o.max_len, .max_tokens = int64_t{1} << 40};  // one batch each
  translate_text(*loaded.model, loaded.codec, batches.front(), options);  // warm-up
  std::vector<std::string> hyps(sentences.size());
  const auto start = std::chrono::steady_clock::now();
  size_t next = 0;
  for (const auto& batch : batches) {
    for (const std::string& h : translate_text(*loaded.model, loaded.codec, batch, options)) {
      hyps[order[next++]] = h;
    }
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!o.out.empty()) {
    std::string text;
    for (const auto& h : hyps) text += h + "\n";
    write_file_atomically(o.out, text);
  }
  char json[256];
  std::snprintf(json, sizeof(json),
                "{\"impl\": \"minitrans (cached)\", \"sentences\": %zu, \"seconds\": %.4f, \"sentences_per_s\": %.1f}",
                sentences.size(), seconds, sentences.size() / seconds);
  return json;
}

int run_bench_command(const std::vector<std::string>& args) {
  BenchOptions o;
  po::options_description desc("minitrans bench (the model and batch of shared/bench/torch_reference.py)");
  desc.add_options()("preset", po::value<std::string>(&o.preset)->default_value("toy"), "toy, small or base")(
      "threads", po::value<int64_t>(&o.threads)->default_value(0), "threads (0: all cores, as train.threads)")(
      "steps", po::value<int64_t>(&o.steps)->default_value(0), "timed steps (0: 50, 10 or 4 by preset)")(
      "profile", po::bool_switch(&o.profile), "print time per op kind, forward and backward, on stderr")(
      "batch", po::value<std::string>(&o.batch_file), "the batch file of bench/make_batch.py (the reference's ids)")(
      "padded", po::bool_switch(&o.padded), "compute every position, padding included, as PyTorch does")(
      "decode", po::value<std::string>(), "instead: time translating --src with this run directory")(
      "src", po::value<std::string>(), "with --decode: source sentences")(
      "out", po::value<std::string>()->default_value(""), "with --decode: write the translations here")(
      "beam", po::value<int64_t>()->default_value(1), "with --decode: beam size")(
      "batch-size", po::value<int64_t>()->default_value(100), "with --decode: sentences per batch, in length order")(
      "max-len", po::value<int64_t>()->default_value(40), "with --decode: longest translation in tokens")(
      "help,h", "this help");
  add_precision_option(desc);
  const auto parsed = parse_command(args, desc);
  if (!parsed) return 0;
  const po::variables_map& vm = *parsed;
  use_precision(vm);
  if (vm.count("decode")) {
    MT_CHECK(vm.count("src"), "command line: --decode needs --src");
    std::cout << run_decode_benchmark({.run_dir = vm["decode"].as<std::string>(), .src = vm["src"].as<std::string>(),
                                       .out = vm["out"].as<std::string>(), .threads = o.threads,
                                       .beam = vm["beam"].as<int64_t>(), .batch = vm["batch-size"].as<int64_t>(),
                                       .max_len = vm["max-len"].as<int64_t>()})
              << std::endl;
    return 0;
  }
  std::cout << run_benchmark(o) << std::endl;
  return 0;
}

}  // namespace mt
