// Reductions: sum and mean over dims, max and argmax over one dim, and sum_to.
// The kernel sees the input as [outer, reduced, inner] (the reduced dims must be adjacent;
// otherwise they are first permuted to the end). Read next: softmax.cpp.
#include <algorithm>
#include <memory>

#include "autograd/check.h"
#include "autograd/parallel.h"
#include "autograd/node.h"
#include "autograd/ops.h"
#include "autograd/profiler.h"

namespace mt {
namespace {

// Elements per task when a reduction is split along its inner (column) dim.
constexpr int64_t kColumnBlock = 256;
constexpr int64_t kRowBlock = 128;  // rows per partial sum of one matrix's columns

// x viewed as [outer, reduced, inner] for reducing dims [first, last].
struct ReduceLayout {
  int64_t outer = 1, reduced = 1, inner = 1;
};

ReduceLayout layout(const Shape& shape, int64_t first, int64_t last) {
  ReduceLayout l;
  for (int64_t i = 0; i < static_cast<int64_t>(shape.size()); ++i) {
    (i < first ? l.outer : i <= last ? l.reduced : l.inner) *= shape[i];
  }
  return l;
}

// out[o, i] = sum over r of x[o, r, i]; x contiguous.
void sum_kernel(const float* x, float* out, const ReduceLayout& l) {
  if (l.inner == 1) {  // each output is one row sum: accumulate in double
    parallel_for(l.outer, row_grain(l.reduced), [&](int64_t begin, int64_t end) {
      for (int64_t o = begin; o < end; ++o) {
        const float* row = x + o * l.reduced;
        double acc = 0.0;
        for (int64_t r = 0; r < l.reduced; ++r) acc += row[r];
        out[o] = static_cast<float>(acc);
      }
    });
    return;
  }
  if (l.outer == 1 && l.reduced >= 2 * kRowBlock) {
    // One matrix's column sums (a linear layer's bias gradient): fixed blocks of kRowBlock rows
    // sum into their own row of partials, reading whole rows in memory order, then the partials
    // are added in block order. Walking each column block down all the rows instead reads a few
    // hundred bytes per row: on [1197, 8000] (base's generator) 7.8 GB/s. Blocks of a fixed size,
    // not one per thread, keep the sum the same for any thread count.
    const int64_t blocks = (l.reduced + kRowBlock - 1) / kRowBlock, n = l.inner;
    Tensor partial({blocks, n});
    float* p = partial.data();
    parallel_for(blocks, 1, [&](int64_t begin, int64_t end) {
      for (int64_t b = begin; b < end; ++b) {
        float* __restrict acc = p + b * n;
        std::fill(acc, acc + n, 0.0f);
        for (int64_t r = b * kRowBlock; r < std::min(l.reduced, (b + 1) * kRowBlock); ++r) {
          const float* __restrict row = x + r * n;
          for (int64_t i = 0; i < n; ++i) acc[i] += row[i];
        }
      }
    });
    parallel_for(n, std::max<int64_t>(1, kElementGrain / blocks), [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) {
        float total = 0.0f;
        for (int64_t b = 0; b < blocks; ++b) total += p[b * n + i];
        out[i] = total;
      }
    });
    return;
  }
  // Columns: split [outer x inner] into blocks; each block adds `reduced` rows into itself.
  const int64_t blocks_per_outer = (l.inner + kColumnBlock - 1) / kColumnBlock;
  const int64_t work_per_block = l.reduced * std::min(l.inner, kColumnBlock);
  parallel_for(l.outer * blocks_per_outer, std::max<int64_t>(1, kElementGrain / work_per_block),
               [&](int64_t begin, int64_t end) {
                 for (int64_t t = begin; t < end; ++t) {
                   const int64_t o = t / blocks_per_outer, i0 = (t % blocks_per_outer) * kColumnBlock;
                   const int64_t i1 = std::min(l.inner, i0 + kColumnBlock);
                   float* dst = out + o * l.inner;
                   std::fill(dst + i0, dst + i1, 0.0f);
                   for (int64_t r = 0; r < l.reduced; ++r) {
                     const float* src = x + (o * l.reduced + r) * l.inner;
                     for (int64_t i = i0; i < i1; ++i) dst[i] += src[i];
                   }
                 }
               });
}

// Values and first indices of the maxima along the reduced dim.
void max_kernel(const float* x, float* values, int32_t* indices, const ReduceLayout& l) {
  parallel_for(l.outer * l.inner, row_grain(l.reduced), [&](int64_t begin, int64_t end) {
    for (int64_t t = begin; t < end; ++t) {
      const int64_t o = t / l.inner, i = t % l.inner;
      const float* p = x + o * l.reduced * l.inner + i;
      int64_t best = 0;
      for (int64_t r = 1; r < l.reduced; ++r) {
        if (p[r * l.inner] > p[best * l.inner]) best = r;
      }
      values[t] = p[best * l.inner];
      indices[t] = static_cast<int32_t>(best);
    }
  });
}

Shape reduced_shape(const Shape& shape, const std::vector<int64_t>& dims, bool keepdim) {
  Shape out;
  for (int64_t i = 0; i < static_cast<int64_t>(shape.size()); ++i) {
    const bool reduced = std::find(dims.begin(), dims.end(), i) != dims.end();
    if (!reduced) out.push_back(shape[i]);
    else if (keepdim) out.push_back(1);
  }
  return out;
}

}  // namespace

Tensor sum(const Tensor& x, const std::vector<int64_t>& dims_in, bool keepdim) {
  MT_PROFILE("sum");
  std::vector<int64_t> dims;
  for (int64_t d : dims_in) dims.push_back(normalize_dim(d, x.dim(), "sum"));
  std::sort(dims.begin(), dims.end());
  MT_CHECK(std::adjacent_find(dims.begin(), dims.end()) == dims.end(), "sum: repeated dim for shape ", x.shape());
  const Shape out_shape = reduced_shape(x.shape(), dims, keepdim);
  if (dims.empty()) return view(contiguous(x), out_shape);

  // Non-adjacent dims: move them to the end first (the composed ops give the backward).
  if (dims.back() - dims.front() + 1 != static_cast<int64_t>(dims.size())) {
    std::vector<int64_t> order;
    for (int64_t i = 0; i < x.dim(); ++i) {
      if (!std::binary_search(dims.begin(), dims.end(), i)) order.push_back(i);
    }
    const size_t kept = order.size();
    order.insert(order.end(), dims.begin(), dims.end());
    std::vector<int64_t> last;
    for (size_t i = kept; i < order.size(); ++i) last.push_back(static_cast<int64_t>(i));
    return view(sum(permute(x, order), last, false), out_shape);
  }

  const Tensor xc = contiguous(x.detach());
  Tensor out(out_shape);
  sum_kernel(xc.data(), out.data(), layout(x.shape(), dims.front(), dims.back()));
  // dx = dy broadcast back over the summed dims
  return record("sum", out, {x}, [in_shape = x.shape(), kept = reduced_shape(x.shape(), dims, true)](const Tensor& dy) {
    return std::vector<Tensor>{expand(view(dy, kept), in_shape)};
  });
}

Tensor sum(const Tensor& x) {
  std::vector<int64_t> all(x.dim());
  for (int64_t i = 0; i < x.dim(); ++i) all[i] = i;
  return sum(x, all, false);
}

Tensor mean(const Tensor& x, const std::vector<int64_t>& dims, bool keepdim) {
  int64_t count = 1;
  for (int64_t d : dims) count *= x.shape()[normalize_dim(d, x.dim(), "mean")];
  return mul(sum(x, dims, keepdim), 1.0f / static_cast<float>(count));
}

Tensor mean(const Tensor& x) { return mul(sum(x), 1.0f / static_cast<float>(x.numel())); }

Tensor max(const Tensor& x, int64_t dim, bool keepdim) {
  MT_PROFILE("max");
  const int64_t d = normalize_dim(dim, x.dim(), "max");
  MT_CHECK(x.shape()[d] > 0, "max: dim ", d, " of shape ", x.shape(), " is empty");
  const Tensor xc = contiguous(x.detach());
  const ReduceLayout l = layout(x.shape(), d, d);
  Tensor out(reduced_shape(x.shape(), {d}, keepdim));
  auto indices = std::make_shared<std::vector<int32_t>>(l.outer * l.inner);
  max_kernel(xc.data(), out.data(), indices->data(), l);
  // dx = dy at the position of each maximum, 0 elsewhere
  return record("max", out, {x}, [in_shape = x.shape(), l, indices](const Tensor& dy) {
    Tensor dx = zeros(in_shape);
    float* p = dx.data();
    const float* g = dy.data();
    parallel_for(l.outer * l.inner, kElementGrain, [&](int64_t begin, int64_t end) {
      for (int64_t t = begin; t < end; ++t) {
        const int64_t o = t / l.inner, i = t % l.inner;
        p[(o * l.reduced + (*indices)[t]) * l.inner + i] = g[t];
      }
    });
    return std::vector<Tensor>{dx};
  });
}

IntTensor argmax(const Tensor& x, int64_t dim) {
  const int64_t d = normalize_dim(dim, x.dim(), "argmax");
  MT_CHECK(x.shape()[d] > 0, "argmax: dim ", d, " of shape ", x.shape(), " is empty");
  const Tensor xc = contiguous(x.detach());
  const ReduceLayout l = layout(x.shape(), d, d);
  Tensor values({l.outer * l.inner});
  IntTensor out(std::vector<int32_t>(l.outer * l.inner), reduced_shape(x.shape(), {d}, false));
  max_kernel(xc.data(), values.data(), out.values.data(), l);
  return out;
}

Tensor sum_to(const Tensor& g, const Shape& shape) {
  if (g.shape() == shape) return g;
  MT_CHECK(g.shape().size() >= shape.size(), "sum_to: cannot reduce ", g.shape(), " to ", shape);
  const size_t lead = g.shape().size() - shape.size();
  std::vector<int64_t> dims;
  for (size_t i = 0; i < g.shape().size(); ++i) {
    if (i < lead || (shape[i - lead] == 1 && g.shape()[i] != 1)) dims.push_back(static_cast<int64_t>(i));
    else MT_CHECK(shape[i - lead] == g.shape()[i], "sum_to: cannot reduce ", g.shape(), " to ", shape);
  }
  return view(sum(g, dims, true), shape);
}

}  // namespace mt
