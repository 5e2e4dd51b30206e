// The training-speed benchmark: exactly the model and synthetic batch of
// ../shared/bench/torch_reference.py (post-LN torch.nn.Transformer, ReLU, dropout 0.1, separate
// embeddings scaled by sqrt(D), sinusoidal positions, untied output, Adam, cross-entropy
// ignoring pad, one fixed batch), timed the same way, printed as the same JSON fields plus the
// matmul FLOPs per step and FLOP/s. Read next: docs/performance.md.
#pragma once

#include <cstdint>
#include <string>

namespace mt {

struct BenchOptions {
  std::string preset = "toy";  // toy, small, base
  int64_t threads = 2;
  int64_t steps = 0;  // 0: by preset, as the reference (50, 10, 4)
  bool profile = false;  // print time per op kind, forward and backward
};

/// Runs the benchmark and returns its JSON line.
std::string run_benchmark(const BenchOptions& options);

/// Times greedy (or beam) translation of a file with a trained run, the way `translate` does it
/// (batched, incremental decoding); writes the translations to `out` if given; returns JSON.
std::string run_decode_benchmark(const std::string& run_dir, const std::string& src, const std::string& out,
                                 int64_t threads, int64_t beam);

}  // namespace mt
