// oneDNN matmul (v2 API) with a per-thread primitive cache keyed by dims and strides.
// Creating a primitive takes tens of microseconds; executing a cached one costs about one.
// Under MatmulThreading::kTbb a large product is cut into equal parts (along the first batch
// dim, else along the longer of M and N) that run as TBB tasks, each a single-threaded oneDNN call.
// In bf16 (precision.h) both operands are first rounded into bfloat16 copies, which the product
// then reads in place of the floats, and a product is cut along the batch dim or M only.
#include "autograd/kernels/matmul.h"

#include <omp.h>

#include <algorithm>
#include <atomic>
#include <dnnl.hpp>
#include <string>
#include <unordered_map>

#include "autograd/check.h"
#include "autograd/kernels/allocator.h"
#include "autograd/kernels/bf16.h"
#include "autograd/parallel.h"
#include "autograd/precision.h"
#include "autograd/profiler.h"
#include "autograd/shape.h"
#include "autograd/threading.h"

namespace mt {
namespace {

using dnnl::memory;

// Products below this many flops are not worth splitting across cores.
constexpr int64_t kMinSplitFlops = 1 << 20;

std::atomic<int64_t> g_flops{0};

dnnl::engine& cpu_engine() {
  static dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  return engine;
}

// An operand or result: its elements (floats, or bf16 copies of operands) and their layout.
struct View {
  float* data;
  memory::dims dims;
  memory::dims strides;
  const uint16_t* bf16 = nullptr;  // a bf16 copy of the elements, which the product reads instead

  memory::data_type type() const { return bf16 ? memory::data_type::bf16 : memory::data_type::f32; }
  void* handle() const {
    if (bf16) return const_cast<uint16_t*>(bf16);
    return data;
  }
};

// An optional bias [N], broadcast over every other dim of the result.
struct Bias {
  const float* data = nullptr;
};

struct CachedPrimitive {
  dnnl::matmul primitive;
  memory::desc a, b, c, bias;
  bool reference_impl;  // oneDNN found no optimized kernel for these strides
  // The arguments, created once: each call only points them at its data (set_data_handle),
  // which saves building memory objects and a map per call (small products feel it).
  std::unordered_map<int, memory> args;
};

struct KeyHash {
  size_t operator()(const std::vector<int64_t>& key) const {
    size_t h = key.size();
    for (int64_t v : key) h ^= std::hash<int64_t>()(v) + 0x9E3779B97F4A7C15ull + (h << 6) + (h >> 2);
    return h;
  }
};

// Each thread creates and runs its own primitives (oneDNN's library scratchpad requires a
// primitive to run on the thread that created it), so the cache needs no lock.
struct ThreadState {
  std::unordered_map<std::vector<int64_t>, CachedPrimitive, KeyHash> cache;
  dnnl::stream stream{cpu_engine()};
  int omp_threads = -1;  // what omp_set_num_threads was last told on this thread
};

ThreadState& thread_state() {
  thread_local ThreadState state;
  return state;
}

// Tells OpenMP how many threads oneDNN may use from this thread.
void set_omp_threads(ThreadState& state, int n) {
  if (state.omp_threads != n) {
    omp_set_num_threads(n);
    state.omp_threads = n;
    state.cache.clear();  // primitives choose their blocking by thread count
  }
}

CachedPrimitive& lookup(ThreadState& state, const View& a, const View& b, const View& c, const Bias& bias) {
  std::vector<int64_t> key;
  key.reserve(6 * a.dims.size() + 4);
  for (const View* v : {&a, &b, &c}) {
    key.insert(key.end(), v->dims.begin(), v->dims.end());
    key.insert(key.end(), v->strides.begin(), v->strides.end());
    key.push_back(static_cast<int64_t>(v->type()));
  }
  key.push_back(bias.data != nullptr);
  auto it = state.cache.find(key);
  if (it != state.cache.end()) return it->second;

  const memory::desc a_md(a.dims, a.type(), a.strides);
  const memory::desc b_md(b.dims, b.type(), b.strides);
  const memory::desc c_md(c.dims, memory::data_type::f32, c.strides);
  memory::dims bias_dims(c.dims.size(), 1);
  bias_dims.back() = c.dims.back();
  const memory::desc bias_md = bias.data ? memory::desc(bias_dims, memory::data_type::f32, contiguous_strides(bias_dims))
                                         : memory::desc();
  const dnnl::matmul::primitive_desc pd(
      bias.data ? dnnl::matmul::desc(a_md, b_md, bias_md, c_md) : dnnl::matmul::desc(a_md, b_md, c_md), cpu_engine());
  const bool reference = std::string(pd.impl_info_str()).rfind("ref", 0) == 0;
  std::unordered_map<int, memory> args{{DNNL_ARG_SRC, memory(a_md, cpu_engine(), DNNL_MEMORY_NONE)},
                                       {DNNL_ARG_WEIGHTS, memory(b_md, cpu_engine(), DNNL_MEMORY_NONE)},
                                       {DNNL_ARG_DST, memory(c_md, cpu_engine(), DNNL_MEMORY_NONE)}};
  if (bias.data) args.emplace(DNNL_ARG_BIAS, memory(bias_md, cpu_engine(), DNNL_MEMORY_NONE));
  return state.cache
      .emplace(std::move(key), CachedPrimitive{dnnl::matmul(pd), a_md, b_md, c_md, bias_md, reference, std::move(args)})
      .first->second;
}

void execute(ThreadState& state, CachedPrimitive& p, const View& a, const View& b, const View& c, const Bias& bias) {
  p.args.at(DNNL_ARG_SRC).set_data_handle(a.handle());
  p.args.at(DNNL_ARG_WEIGHTS).set_data_handle(b.handle());
  p.args.at(DNNL_ARG_DST).set_data_handle(c.data);
  if (bias.data) p.args.at(DNNL_ARG_BIAS).set_data_handle(const_cast<float*>(bias.data));
  p.primitive.execute(state.stream, p.args);
  state.stream.wait();
}

// Calls fn(offset, i) for the i-th element (row-major) of a view and its offset in memory.
template <typename Fn>
void for_each_element(const View& v, const Fn& fn) {
  const int64_t rank = static_cast<int64_t>(v.dims.size()), n = numel(v.dims);
  std::vector<int64_t> index(rank, 0);
  for (int64_t i = 0; i < n; ++i) {
    int64_t offset = 0;
    for (int64_t d = 0; d < rank; ++d) offset += index[d] * v.strides[d];
    fn(offset, i);
    for (int64_t d = rank - 1; d >= 0 && ++index[d] == v.dims[d]; --d) index[d] = 0;
  }
}

// Row-major copy of a strided view, and the way back.
std::vector<float> pack(const View& v) {
  std::vector<float> packed(numel(v.dims));
  for_each_element(v, [&](int64_t offset, int64_t i) { packed[i] = v.data[offset]; });
  return packed;
}

void unpack(const View& packed, const View& v) {
  for_each_element(v, [&](int64_t offset, int64_t i) { v.data[offset] = packed.data[i]; });
}

// One oneDNN call on the calling thread. Layouts oneDNN only runs with its slow reference
// kernel are repacked first: the operands into row-major copies, the result through a
// row-major buffer copied out after. (bf16 copies are dense already: they run as they are.)
void run(ThreadState& state, const View& a, const View& b, const View& c, const Bias& bias) {
  CachedPrimitive& p = lookup(state, a, b, c, bias);
  if (!p.reference_impl || a.bf16) return execute(state, p, a, b, c, bias);
  std::vector<float> a_packed = pack(a), b_packed = pack(b), c_packed(numel(c.dims));
  const View ap{a_packed.data(), a.dims, contiguous_strides(a.dims)};
  const View bp{b_packed.data(), b.dims, contiguous_strides(b.dims)};
  const View cp{c_packed.data(), c.dims, contiguous_strides(c.dims)};
  execute(state, lookup(state, ap, bp, cp, bias), ap, bp, cp, bias);
  unpack(cp, c);
}

// Row strides that are multiples of 1 KB put the rows of an operand at few distinct offsets
// within the cache's sets, and a product that walks such an operand down its rows slows down: a
// weight gradient dYᵀ·X, with dY and X [K rows, 256 to 2048 wide]. On base, in the step, the
// 512 x 512 weight gradients (K = 1197) ran at 75 GFLOP/s and the 1024 x 512 ones at 54,
// against 125-137 for the other shapes; copied with rows 16 floats longer, 100 and 106. Alone on
// one core, 256 x 256 x 1385 (small) went from 42 to 63 GFLOP/s (docs/performance.md).
constexpr int64_t kAliasingStride = 256;  // floats
constexpr int64_t kStridePad = 16;        // one cache line

// True for the weight-gradient pattern, 2-D with a transposed (its K rows dense along M) and b
// plain: the pattern whose operands are walked down their rows.
bool weight_gradient_layout(const View& a, const View& b) {
  return a.dims.size() == 2 && a.strides[0] == 1 && b.strides[1] == 1;
}

// A copy of an operand's K rows (dense along M or N) into `buffer`, each kStridePad floats
// longer; returns its view. `transposed`: the operand is a (its rows are along its last dim).
View pad_rows(const View& v, bool transposed, Tensor& buffer) {
  const int64_t rows = v.dims[transposed ? 1 : 0], width = v.dims[transposed ? 0 : 1];
  const int64_t stride = v.strides[transposed ? 1 : 0], padded = width + kStridePad;
  buffer = Tensor({rows, padded});
  float* out = buffer.data();
  parallel_for(rows, row_grain(width), [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) std::copy(v.data + r * stride, v.data + r * stride + width, out + r * padded);
  });
  View p = v;
  p.data = out;
  p.strides = transposed ? memory::dims{1, padded} : memory::dims{padded, 1};
  return p;
}

// Scratch memory from the tensor cache, held for the duration of one product.
class Scratch {
 public:
  ~Scratch() {
    if (block_) cache_release(block_, bytes_);
  }
  uint16_t* take(int64_t count) {
    bytes_ = static_cast<size_t>(count) * sizeof(uint16_t);
    block_ = cache_allocate(bytes_);
    return static_cast<uint16_t*>(block_);
  }

 private:
  void* block_ = nullptr;
  size_t bytes_ = 0;
};

// n floats rounded to bf16, `step` apart (the loop with step 1 vectorizes).
void round_floats(const float* from, int64_t step, uint16_t* to, int64_t n) {
  if (step == 1) {
    for (int64_t j = 0; j < n; ++j) to[j] = to_bf16(from[j]);
  } else {
    for (int64_t j = 0; j < n; ++j) to[j] = to_bf16(from[j * step]);
  }
}

// A view's floats rounded to bf16, in a dense copy that keeps the view's order of dims in
// memory (by stride): a transposed operand stays transposed, and the copy reads and writes
// memory in order, a contiguous run along the innermost dim at a time.
View rounded_to_bf16(const View& v, Scratch& scratch) {
  const size_t rank = v.dims.size();
  std::vector<size_t> order(rank);  // dims from the outermost in memory to the innermost
  for (size_t i = 0; i < rank; ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t x, size_t y) { return v.strides[x] > v.strides[y]; });
  View out = v;
  int64_t stride = 1;
  for (size_t i = rank; i-- > 0;) {
    out.strides[order[i]] = stride;
    stride *= v.dims[order[i]];
  }
  uint16_t* copy = scratch.take(numel(v.dims));
  out.bf16 = copy;
  const size_t inner = order.back();
  const int64_t width = v.dims[inner], step = v.strides[inner], rows = numel(v.dims) / std::max<int64_t>(width, 1);
  parallel_for(rows, row_grain(width), [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      int64_t offset = 0, rest = r;  // row r's offset in v, from its index along each outer dim
      for (size_t i = rank - 1; i-- > 0;) {
        offset += rest % v.dims[order[i]] * v.strides[order[i]];
        rest /= v.dims[order[i]];
      }
      round_floats(v.data + offset, step, copy + r * width, width);
    }
  });
  return out;
}

// The part [begin, end) of dim `d` of a view; a broadcast dim (size 1) stays whole.
View part(const View& v, size_t d, int64_t begin, int64_t end) {
  if (v.dims[d] == 1) return v;
  View p = v;
  if (v.bf16) {
    p.bf16 += begin * v.strides[d];
  } else {
    p.data += begin * v.strides[d];
  }
  p.dims[d] = end - begin;
  return p;
}

}  // namespace

Bf16Copy::Bf16Copy(const Tensor& x) {
  MT_CHECK(x.is_contiguous(), "bf16 copy: the tensor ", x.shape(), " is not contiguous");
  const int64_t n = x.numel();
  if (n == 0) return;  // nothing to round; data() stays null and a product rounds for itself
  const size_t bytes = static_cast<size_t>(n) * sizeof(uint16_t);
  data_ = std::shared_ptr<uint16_t>(static_cast<uint16_t*>(cache_allocate(bytes)),
                                    [bytes](uint16_t* block) { cache_release(block, bytes); });
  const float* from = x.data();
  uint16_t* to = data_.get();
  parallel_for(n, kElementGrain, [&](int64_t begin, int64_t end) { round_floats(from + begin, 1, to + begin, end - begin); });
}

MatmulOperand matmul_operand(const Tensor& x, size_t rank, bool transpose, const Bf16Copy& bf16) {
  MatmulOperand op{x.data(), std::vector<int64_t>(rank, 1), std::vector<int64_t>(rank, 0), bf16.data()};
  const size_t lead = rank - x.dim();
  for (size_t i = 0; i < static_cast<size_t>(x.dim()); ++i) {
    op.dims[lead + i] = x.shape()[i];
    op.strides[lead + i] = x.strides()[i];
  }
  if (transpose) {
    std::swap(op.dims[rank - 1], op.dims[rank - 2]);
    std::swap(op.strides[rank - 1], op.strides[rank - 2]);
  }
  // A size-1 dim's stride is arbitrary; give it the dense value so oneDNN sees a plain layout.
  for (size_t i = rank - 1; i-- > 0;) {
    if (op.dims[i] == 1) op.strides[i] = op.dims[i + 1] * op.strides[i + 1];
  }
  return op;
}

void matmul_kernel(const MatmulOperand& a, const MatmulOperand& b, float* c_data) {
  const size_t rank = a.dims.size();
  memory::dims c_dims(rank);
  for (size_t d = 0; d + 2 < rank; ++d) c_dims[d] = std::max(a.dims[d], b.dims[d]);
  if (rank >= 2) {
    c_dims[rank - 2] = a.dims[rank - 2];
    c_dims[rank - 1] = b.dims[rank - 1];
  }
  matmul_kernel(a, b, c_data, contiguous_strides(c_dims));
}

void matmul_kernel(const MatmulOperand& a, const MatmulOperand& b, float* c_data,
                   const std::vector<int64_t>& c_strides, const float* bias_data, Precision precision) {
  const Bias bias{bias_data};
  const size_t rank = a.dims.size();
  MT_CHECK(rank >= 2 && b.dims.size() == rank, "matmul kernel: operands of rank ", a.dims.size(), " and ",
           b.dims.size());
  memory::dims c_dims(rank);
  for (size_t d = 0; d + 2 < rank; ++d) c_dims[d] = std::max(a.dims[d], b.dims[d]);
  c_dims[rank - 2] = a.dims[rank - 2];
  c_dims[rank - 1] = b.dims[rank - 1];
  const bool bf16 = precision == Precision::kBf16;
  View av{const_cast<float*>(a.data), a.dims, a.strides, bf16 ? a.bf16 : nullptr};  // oneDNN takes non-const handles
  View bv{const_cast<float*>(b.data), b.dims, b.strides, bf16 ? b.bf16 : nullptr};
  MT_CHECK(c_strides.size() == rank, "matmul kernel: ", c_strides.size(), " output strides for rank ", rank);
  const View cv{c_data, c_dims, c_strides};
  if (numel(c_dims) == 0) return;
  if (a.dims[rank - 1] == 0) {  // K = 0, an empty sum: the bias or zeros (oneDNN's bf16 kernels divide by K)
    const int64_t n = c_dims[rank - 1];
    for_each_element(cv, [&](int64_t offset, int64_t i) { c_data[offset] = bias.data ? bias.data[i % n] : 0.0f; });
    return;
  }
  const int64_t flops = 2 * numel(c_dims) * a.dims[rank - 1];
  Tensor a_padded, b_padded;  // hold the copies for the duration of the product
  Scratch a_bf16, b_bf16;
  if (bf16) {  // dense copies, which need no padding; an operand that carries its copy is not rounded again
    if (!av.bf16) av = rounded_to_bf16(av, a_bf16);
    if (!bv.bf16) bv = rounded_to_bf16(bv, b_bf16);
  } else if (flops >= 2 * kMinSplitFlops && weight_gradient_layout(av, bv)) {
    if (av.strides[1] % kAliasingStride == 0) av = pad_rows(av, /*transposed=*/true, a_padded);
    if (bv.strides[0] % kAliasingStride == 0) bv = pad_rows(bv, /*transposed=*/false, b_padded);
  }

  g_flops += flops;
  ThreadState& state = thread_state();
  const int threads = num_threads();
  if (matmul_threading() == MatmulThreading::kOpenMP) {
    set_omp_threads(state, threads);
    return run(state, av, bv, cv, bias);
  }
  set_omp_threads(state, 1);
  // Split along the first batch dim if it has enough items, else along the longer of M and N:
  // cutting the shorter side leaves each core a slab too thin for oneDNN's blocking (the
  // weight gradient [512, 2048] of a base FF2 layer: 55 GFLOP/s cut along M, 127 along N).
  // In bf16 never along N: a result cut along N has rows longer than the part, which oneDNN runs
  // with its gemm kernel instead of AMX (Multi30k's output projection: 140 against about 320
  // GFLOP/s a part).
  const bool along_m = bf16 || c_dims[rank - 2] >= c_dims[rank - 1];
  const size_t d = rank > 2 && c_dims[0] >= threads ? 0 : along_m ? rank - 2 : rank - 1;
  const int64_t parts = std::min<int64_t>(threads, c_dims[d]);
  if (flops < kMinSplitFlops || parts < 2) return run(state, av, bv, cv, bias);
  const int64_t chunk = (c_dims[d] + parts - 1) / parts;
  const int64_t a_d = d == rank - 1 ? -1 : static_cast<int64_t>(d);  // N is not a dim of a
  const int64_t b_d = d == rank - 2 ? -1 : static_cast<int64_t>(d);  // M is not a dim of b
  parallel_for(parts, 1, [&](int64_t first, int64_t last) {
    ThreadState& local = thread_state();
    set_omp_threads(local, 1);
    for (int64_t p = first; p < last; ++p) {
      const int64_t begin = p * chunk, end = std::min(c_dims[d], begin + chunk);
      if (begin >= end) continue;
      const Bias part_bias{bias.data && d == rank - 1 ? bias.data + begin : bias.data};
      run(local, a_d < 0 ? av : part(av, a_d, begin, end), b_d < 0 ? bv : part(bv, b_d, begin, end),
          part(cv, d, begin, end), part_bias);
    }
  });
}

int64_t matmul_cache_size() { return static_cast<int64_t>(thread_state().cache.size()); }

int64_t matmul_flops() { return g_flops.load(); }

}  // namespace mt
