// The training-speed benchmark; see bench.h.
#include "train/cli/bench.h"

#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>

#include "autograd/check.h"
#include "autograd/threading.h"
#include "autograd/ops.h"
#include "autograd/profiler.h"
#include "autograd/random.h"
#include "nn/transformer.h"
#include "data/atomic_file.h"
#include "data/parallel_corpus.h"
#include "train/run/checkpoint.h"
#include "train/translate/evaluate.h"
#include "train/optim/optimizer.h"

namespace mt {
namespace {

struct Preset {
  int64_t d, heads, layers, ff, vocab, batch, len, steps;
};

const std::map<std::string, Preset> kPresets = {
    {"toy", {64, 4, 2, 256, 32, 64, 10, 50}},
    {"small", {256, 8, 3, 512, 8000, 128, 14, 10}},
    {"base", {512, 8, 6, 2048, 8000, 64, 25, 4}},
};

double peak_rss_mb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss / 1024.0;
}

}  // namespace

std::string run_benchmark(const BenchOptions& o) {
  const auto it = kPresets.find(o.preset);
  MT_CHECK(it != kPresets.end(), "bench: unknown preset '", o.preset, "' (expected toy, small or base)");
  const Preset& p = it->second;
  MT_CHECK(o.threads >= 1, "bench: --threads must be >= 1, got ", o.threads);
  set_num_threads(static_cast<int>(o.threads));
  const int64_t steps = o.steps > 0 ? o.steps : p.steps;

  manual_seed(0);
  nn::Transformer model({.src_vocab = p.vocab, .tgt_vocab = p.vocab,
                         .layer = {.d_model = p.d, .heads = p.heads, .ff_dim = p.ff, .dropout = 0.1f},
                         .encoder_layers = p.layers, .decoder_layers = p.layers, .embedding_dropout = false,
                         .max_len = 1024, .pad_id = 0});
  Adam adam(model.parameters(), {.lr = 1e-4f, .beta1 = 0.9f, .beta2 = 0.98f, .eps = 1e-9f});

  // The batch: source lengths uniform in [L/2, L], target one longer, ids uniform in [3, V).
  const uint64_t seed = 1;
  uint64_t counter = 0;
  auto draw = [&](int64_t lo, int64_t hi) { return lo + static_cast<int64_t>(random_bits(seed, counter++) % (hi - lo)); };
  const int64_t b = p.batch, l = p.len;
  std::vector<int32_t> src(b * l, 0), tgt_in(b * l, 0), tgt_out(b * l, 0);
  int64_t tgt_tokens = 0;
  for (int64_t i = 0; i < b; ++i) {
    const int64_t n = draw(l / 2, l + 1);
    for (int64_t j = 0; j < n; ++j) src[i * l + j] = static_cast<int32_t>(draw(3, p.vocab));
    // target of n + 1 tokens: the model reads tokens 0..n-1 and predicts 1..n
    std::vector<int32_t> tgt(n + 1);
    for (auto& t : tgt) t = static_cast<int32_t>(draw(3, p.vocab));
    for (int64_t j = 0; j < n; ++j) tgt_in[i * l + j] = tgt[j], tgt_out[i * l + j] = tgt[j + 1];
    tgt_tokens += n;
  }
  const IntTensor src_ids(src, {b, l}), in_ids(tgt_in, {b, l}), out_ids(tgt_out, {b * l});
  const nn::SequenceLayout src_layout = nn::SequenceLayout::packed(src_ids, 0);  // as a training batch has them
  const nn::SequenceLayout tgt_layout = nn::SequenceLayout::packed(in_ids, 0);

  double loss = 0.0;
  auto step = [&] {
    adam.zero_grad();
    const nn::TargetLogits out = model.forward_targets(src_ids, src_layout, in_ids, tgt_layout, out_ids);
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
                "{\"impl\": \"minitrans\", \"preset\": \"%s\", \"threads\": %lld, \"params\": %lld, \"tgt_tokens\": %lld, "
                "\"step_ms\": %.3f, \"tgt_tokens_per_s\": %.1f, \"last_loss\": %.4f, \"peak_rss_mb\": %.1f, "
                "\"matmul_flops_per_step\": %.0f, \"matmul_gflops_per_s\": %.1f}",
                o.preset.c_str(), (long long)o.threads, (long long)model.parameter_count(), (long long)tgt_tokens,
                seconds * 1e3, tgt_tokens / seconds, loss, peak_rss_mb(), flops, flops / seconds / 1e9);
  return json;
}

std::string run_decode_benchmark(const std::string& run_dir, const std::string& src, const std::string& out,
                                 int64_t threads, int64_t beam) {
  set_num_threads(static_cast<int>(threads));
  const LoadedModel loaded = load_for_inference(run_dir);
  std::ifstream in(src);
  MT_CHECK(in.good(), src, ": cannot open");
  const auto sentences = data::read_sentences(in, src, {.lowercase = loaded.config.data.lowercase});
  const DecodeOptions options{.beam = beam, .max_len = loaded.config.decode.max_len};
  translate_text(*loaded.model, loaded.src_vocab, loaded.tgt_vocab, {sentences.front()}, options);  // warm-up
  const auto start = std::chrono::steady_clock::now();
  const auto hyps = translate_text(*loaded.model, loaded.src_vocab, loaded.tgt_vocab, sentences, options);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!out.empty()) {
    std::string text;
    for (const auto& h : hyps) text += h + "\n";
    write_file_atomically(out, text);
  }
  char json[256];
  std::snprintf(json, sizeof(json),
                "{\"impl\": \"minitrans (cached)\", \"sentences\": %zu, \"seconds\": %.4f, \"sentences_per_s\": %.1f}",
                sentences.size(), seconds, sentences.size() / seconds);
  return json;
}

}  // namespace mt
