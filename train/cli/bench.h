// The training-speed benchmark: exactly the model and synthetic batch of
// ../shared/bench/torch_reference.py (post-LN torch.nn.Transformer, ReLU, dropout 0.1, separate
// embeddings scaled by sqrt(D), sinusoidal positions, untied output, Adam, cross-entropy
// ignoring pad, one fixed batch), timed the same way, printed as the same JSON fields plus the
// matmul FLOPs per step and FLOP/s. Read next: ../../docs/performance.md.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace mt {

struct BenchOptions {
  std::string preset = "toy";  // toy, small, base
  int64_t threads = 0;         // 0: the cores this process may use, as train.threads
  int64_t steps = 0;  // 0: by preset, as the reference (50, 10, 4)
  bool profile = false;  // print time per op kind, forward and backward
  std::string batch_file;  // the reference's batch (bench/make_batch.py); empty: our own generator
  bool padded = false;     // compute every position, as PyTorch does, instead of the real ones
};

/// Runs the benchmark and returns its JSON line.
std::string run_benchmark(const BenchOptions& options);

struct DecodeBenchOptions {
  std::string run_dir, src, out;  // out: where to write the translations ("" for nowhere)
  int64_t threads = 0;            // 0: the cores this process may use
  int64_t beam = 1;
  int64_t batch = 100;   // sentences per batch, in length order (as bench/torch_decode.py)
  int64_t max_len = 40;  // longest translation in tokens (as bench/torch_decode.py)
};

/// Times greedy (or beam) translation of a file with a trained run, with incremental decoding,
/// batched as bench/torch_decode.py batches (length order, `batch` sentences, one warm-up
/// batch); writes the translations to `out` if given; returns JSON.
std::string run_decode_benchmark(const DecodeBenchOptions& options);

/// `minitrans bench ARGS`: one of the two benchmarks, its JSON line on stdout.
int run_bench_command(const std::vector<std::string>& args);

}  // namespace mt
