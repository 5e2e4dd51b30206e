// Kernel microbenchmarks: matmul GFLOP/s at the shapes a Transformer uses next to oneDNN's own
// peak, softmax and layer_norm bandwidth, the engine's cost per node, and how OpenMP (oneDNN)
// and TBB (our kernels) get along. Medians of repeated runs; see docs/performance.md.
//   build/bench-kernels [--quick]
//   build/bench-kernels --peak [bf16]     one number for bench/compare.sh: oneDNN's fp32 (or bf16) peak
#include <omp.h>

#include <dnnl.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "autograd/grad_mode.h"
#include "autograd/node.h"
#include "autograd/precision.h"
#include "autograd/threading.h"
#include "autograd/ops.h"
#include "autograd/random.h"

using namespace mt;

namespace {

int g_repeats = 15;

// Median seconds of `repeats` runs of fn, after two warm-up runs.
double median_seconds(const std::function<void()>& fn, int repeats = g_repeats) {
  fn();
  fn();
  std::vector<double> times;
  for (int i = 0; i < repeats; ++i) {
    const auto start = std::chrono::steady_clock::now();
    fn();
    times.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  std::nth_element(times.begin(), times.begin() + times.size() / 2, times.end());
  return times[times.size() / 2];
}

struct MatmulCase {
  const char* what;
  Shape a, b;
  bool ta, tb;
};

double matmul_gflops(const MatmulCase& c) {
  NoGradGuard no_grad;
  const Tensor a = randn(c.a), b = randn(c.b);
  const Tensor out = matmul(a, b, c.ta, c.tb);
  const int64_t k = c.ta ? a.size(-2) : a.size(-1);
  const double flops = 2.0 * out.numel() * k;
  return flops / median_seconds([&] { matmul(a, b, c.ta, c.tb); }) / 1e9;
}

// oneDNN's peak: its best rate on large square products, with its own OpenMP threads. One size
// is not enough: 512³ reads 95 GFLOP/s on the AMD EPYC machine where 2048³ reads 140.
double onednn_peak() {
  set_matmul_threading(MatmulThreading::kOpenMP);
  double best = 0.0;
  for (int64_t n : {512, 1024, 2048}) best = std::max(best, matmul_gflops({"peak", {n, n}, {n, n}, false, false}));
  set_matmul_threading(MatmulThreading::kTbb);
  return best;
}

// oneDNN's bf16 peak: the same, on operands already in bf16 (fp32 results), straight through
// oneDNN: no rounding of ours counted.
double onednn_bf16_peak() {
  using dnnl::memory;
  const dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  dnnl::stream stream(engine);
  omp_set_num_threads(num_threads());
  double best = 0.0;
  for (int64_t n : {512, 1024, 2048}) {
    const memory::desc in({n, n}, memory::data_type::bf16, memory::format_tag::ab);
    const memory::desc out({n, n}, memory::data_type::f32, memory::format_tag::ab);
    const dnnl::matmul product(dnnl::matmul::primitive_desc(dnnl::matmul::desc(in, in, out), engine));
    memory a(in, engine), b(in, engine), c(out, engine);
    std::memset(a.get_data_handle(), 0x3f, in.get_size());  // 0.75 everywhere
    std::memset(b.get_data_handle(), 0x3f, in.get_size());
    const double seconds = median_seconds([&] {
      product.execute(stream, {{DNNL_ARG_SRC, a}, {DNNL_ARG_WEIGHTS, b}, {DNNL_ARG_DST, c}});
      stream.wait();
    });
    best = std::max(best, 2.0 * n * n * n / seconds / 1e9);
  }
  return best;
}

void bench_matmul() {
  std::printf("\n== matmul (GFLOP/s, median of %d) ==\n", g_repeats);
  const double peak = onednn_peak();
  std::printf("oneDNN's own peak, best of 512^3, 1024^3, 2048^3, its OpenMP threads: %8.1f GFLOP/s\n", peak);
  const std::vector<MatmulCase> cases = {
      {"512^3                            ", {512, 512}, {512, 512}, false, false},
      {"2048^3                           ", {2048, 2048}, {2048, 2048}, false, false},
      {"base QKV/out proj x[1600,512]·Wᵀ ", {1600, 512}, {512, 512}, false, true},
      {"base FF1 x[1600,512]·Wᵀ[2048]    ", {1600, 512}, {2048, 512}, false, true},
      {"base FF2 x[1600,2048]·Wᵀ[512]    ", {1600, 2048}, {512, 2048}, false, true},
      {"base FF1 dX = dY[1600,2048]·W    ", {1600, 2048}, {2048, 512}, false, false},
      {"base FF1 dW = dYᵀ·X              ", {1600, 2048}, {1600, 512}, true, false},
      {"base generator x·Wᵀ[8000]        ", {1600, 512}, {8000, 512}, false, true},
      {"base attention QKᵀ [64,8,25,64]  ", {64, 8, 25, 64}, {64, 8, 25, 64}, false, true},
      {"base attention P·V [64,8,25,25]  ", {64, 8, 25, 25}, {64, 8, 25, 64}, false, false},
      {"small FF1 x[1792,256]·Wᵀ[512]    ", {1792, 256}, {512, 256}, false, true},
      {"toy FF1 x[640,64]·Wᵀ[256]        ", {640, 64}, {256, 64}, false, true},
      {"toy FF1 dX = dY[640,256]·W       ", {640, 256}, {256, 64}, false, false},
      {"toy FF1 dW = dYᵀ·X [256,640,64]  ", {640, 256}, {640, 64}, true, false},
      {"toy out proj x[640,64]·Wᵀ[64]    ", {640, 64}, {64, 64}, false, true},
      {"toy out proj dW = dYᵀ·X [64,640] ", {640, 64}, {640, 64}, true, false},
  };
  for (const MatmulCase& c : cases) {
    const double g = matmul_gflops(c);
    std::printf("%s %8.1f GFLOP/s  %5.1f%% of peak\n", c.what, g, 100.0 * g / peak);
  }
  // What a small product costs beyond its arithmetic: toy's products are this size, and make
  // dozens of such calls per step. One thread, so no task split is timed.
  NoGradGuard no_grad;
  const Tensor x = randn({32, 64}), w = randn({64, 64}), bias = randn({64});
  const int previous = num_threads();
  set_num_threads(1);
  constexpr int kCalls = 2000;
  const double t = median_seconds([&] {
    for (int i = 0; i < kCalls; ++i) linear(x, w, bias);
  });
  set_num_threads(previous);
  std::printf("per call, linear x[32,64]·Wᵀ[64] + bias (262 kFLOP), 1 thread: %.2f µs\n", t / kCalls * 1e6);
}

void bench_rows() {
  std::printf("\n== row kernels (GB/s moved: read + write, median of %d) ==\n", g_repeats);
  NoGradGuard no_grad;
  for (const Shape& shape : {Shape{12800, 25}, Shape{1600, 8000}}) {
    const Tensor x = randn(shape);
    const double bytes = 2.0 * x.numel() * sizeof(float);
    std::printf("softmax     [%6lld, %4lld] %7.1f GB/s\n", (long long)shape[0], (long long)shape[1],
                bytes / median_seconds([&] { softmax(x); }) / 1e9);
  }
  const Tensor x = randn({1600, 512}), w = randn({512}), b = randn({512});
  const double bytes = 2.0 * x.numel() * sizeof(float);
  std::printf("layer_norm  [  1600,  512] %7.1f GB/s\n", bytes / median_seconds([&] { layer_norm(x, w, b); }) / 1e9);
}

void bench_layer_norm_backward() {
  Tensor x = randn({1600, 512}).requires_grad_(), w = randn({512}).requires_grad_();
  Tensor b = randn({512}).requires_grad_();
  const Tensor dy = randn({1600, 512});
  const double t = median_seconds([&] {
    for (const Tensor& p : {x, w, b}) p.zero_grad();
    layer_norm(x, w, b).backward(dy);
  });
  std::printf("layer_norm forward+backward [1600, 512] %7.1f µs\n", t * 1e6);
}

void bench_overhead() {
  std::printf("\n== engine bookkeeping per node (tiny tensors, median of %d) ==\n", g_repeats);
  constexpr int kOps = 10000;
  const Tensor x = ones({1}, true);
  const double with_tape = median_seconds([&] {
    Tensor y = x;
    for (int i = 0; i < kOps; ++i) y = y * 1.0001f;
    y.backward();
  });
  const double forward_tape = median_seconds([&] {
    Tensor y = x;
    for (int i = 0; i < kOps; ++i) y = y * 1.0001f;
  });
  const double no_tape = median_seconds([&] {
    NoGradGuard no_grad;
    Tensor y = x;
    for (int i = 0; i < kOps; ++i) y = y * 1.0001f;
  });
  std::printf("op forward without tape        %7.0f ns/op\n", no_tape / kOps * 1e9);
  std::printf("record (tape) cost             %7.0f ns/node\n", (forward_tape - no_tape) / kOps * 1e9);
  std::printf("backward dispatch (incl. the backward op's own kernel) %7.0f ns/node\n",
              (with_tape - forward_tape) / kOps * 1e9);
  std::printf("record + backward dispatch     %7.0f ns/node\n", (with_tape - no_tape) / kOps * 1e9);

  // The engine alone: an op whose forward is a view and whose backward returns dy unchanged,
  // so what remains is record() and the engine's dispatch, checks and accumulation.
  auto identity = [](const Tensor& t) {
    return record("identity", t.detach(), {t}, [](const Tensor& dy) { return std::vector<Tensor>{dy}; });
  };
  const double engine_on = median_seconds([&] {
    Tensor y = x;
    for (int i = 0; i < kOps; ++i) y = identity(y);
    y.backward();
  });
  const double engine_off = median_seconds([&] {
    NoGradGuard no_grad;
    Tensor y = x;
    for (int i = 0; i < kOps; ++i) y = identity(y);
  });
  std::printf("engine only (identity op): record + backward %5.0f ns/node\n", (engine_on - engine_off) / kOps * 1e9);
}

// A TBB kernel right after a oneDNN matmul, and the reverse, under each threading policy.
void bench_interplay() {
  std::printf("\n== OpenMP (oneDNN) vs TBB hand-off (µs, median of %d) ==\n", g_repeats);
  NoGradGuard no_grad;
  const Tensor a = randn({1600, 512}), w = randn({512, 512}), s = randn({12800, 25});
  for (MatmulThreading mode : {MatmulThreading::kOpenMP, MatmulThreading::kTbb}) {
    set_matmul_threading(mode);
    const char* name = mode == MatmulThreading::kOpenMP ? "oneDNN on OpenMP threads" : "TBB owns the cores";
    const double mm = median_seconds([&] { matmul(a, w); });
    const double sm = median_seconds([&] { softmax(s); });
    // Time each kernel as the second of a pair, so it starts right after the other.
    std::vector<double> sm_after, mm_after;
    for (int i = 0; i < g_repeats + 2; ++i) {
      matmul(a, w);
      auto t0 = std::chrono::steady_clock::now();
      softmax(s);
      auto t1 = std::chrono::steady_clock::now();
      mm_after.push_back(0);
      sm_after.push_back(std::chrono::duration<double>(t1 - t0).count());
      softmax(s);
      t0 = std::chrono::steady_clock::now();
      matmul(a, w);
      t1 = std::chrono::steady_clock::now();
      mm_after.back() = std::chrono::duration<double>(t1 - t0).count();
    }
    auto median = [](std::vector<double> v) {
      std::nth_element(v.begin(), v.begin() + v.size() / 2, v.end());
      return v[v.size() / 2];
    };
    const double pair = median_seconds([&] {
      matmul(a, w);
      softmax(s);
    });
    std::printf("%s:\n", name);
    std::printf("  matmul [1600,512]x[512,512] alone %8.1f   right after softmax %8.1f\n", mm * 1e6,
                median(mm_after) * 1e6);
    std::printf("  softmax [12800,25] alone         %8.1f   right after matmul  %8.1f  (x%.2f)\n", sm * 1e6,
                median(sm_after) * 1e6, median(sm_after) / sm);
    std::printf("  matmul then softmax, per pair    %8.1f\n", pair * 1e6);
  }
  set_matmul_threading(MatmulThreading::kTbb);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1 && std::strcmp(argv[1], "--peak") == 0) {  // one number, for bench/compare.sh
    const bool bf16 = argc > 2 && std::strcmp(argv[2], "bf16") == 0;
    if (bf16 && !bf16_is_native()) {
      std::fprintf(stderr, "bench-kernels: no bf16 products on this CPU (%s)\n", matmul_library().c_str());
      return 3;
    }
    std::printf("%.1f\n", bf16 ? onednn_bf16_peak() : onednn_peak());
    return 0;
  }
  if (argc > 1 && std::strcmp(argv[1], "--quick") == 0) g_repeats = 5;
  manual_seed(0);
  std::printf("threads: %d (TBB); matmul threading default: TBB owns the cores\n", num_threads());
  bench_matmul();
  bench_rows();
  bench_layer_norm_backward();
  bench_overhead();
  bench_interplay();
  return 0;
}
