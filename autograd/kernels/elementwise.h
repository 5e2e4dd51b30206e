// Strided element loops. for_each_row walks N operands of one shape, each with its own strides
// (an output, inputs, broadcast views with zero strides), one innermost row at a time, rows
// split across cores. Dims that are laid out back to back in every operand are merged first,
// so a contiguous tensor is a single long row.
#pragma once

#include <array>
#include <cstdint>

#include "autograd/check.h"
#include "autograd/parallel.h"
#include "autograd/shape.h"
#include "autograd/tensor.h"

namespace mt {

/// Element kernels handle tensors of up to this many dims (after merging adjacent ones).
constexpr int64_t kMaxKernelDims = 8;

/// Calls row_fn(offsets, len, inner_strides) for every innermost row of `shape`, where
/// offsets[k] is where operand k's row starts and inner_strides[k] its step along the row.
template <size_t N, typename RowFn>
void for_each_row(const Shape& shape, const std::array<Strides, N>& strides, const RowFn& row_fn) {
  // Merge dims: drop size-1 dims, fuse dim i into i+1 where every operand allows it.
  // Fixed-size arrays: this runs for every op, and small tensors must not pay for the heap.
  std::array<int64_t, kMaxKernelDims> dims{};
  std::array<std::array<int64_t, kMaxKernelDims>, N> st{};
  int64_t rank = 0;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == 0) return;
    if (shape[i] == 1) continue;
    bool fuse = rank > 0;
    for (size_t k = 0; k < N && fuse; ++k) fuse = st[k][rank - 1] == strides[k][i] * shape[i];
    if (fuse) {
      dims[rank - 1] *= shape[i];
      for (size_t k = 0; k < N; ++k) st[k][rank - 1] = strides[k][i];
    } else {
      MT_CHECK(rank < kMaxKernelDims, "element kernel: shape ", shape, " has more than ", kMaxKernelDims,
               " dims that cannot be merged");
      dims[rank] = shape[i];
      for (size_t k = 0; k < N; ++k) st[k][rank] = strides[k][i];
      ++rank;
    }
  }
  if (rank == 0) {  // a single element
    dims[0] = 1;
    rank = 1;
  }

  const int64_t len = dims[rank - 1];
  int64_t rows = 1;
  for (int64_t d = 0; d + 1 < rank; ++d) rows *= dims[d];
  std::array<int64_t, N> inner;
  for (size_t k = 0; k < N; ++k) inner[k] = st[k][rank - 1];

  parallel_for(rows, row_grain(len), [&](int64_t begin, int64_t end) {
    // Multi-index of row `begin` over the outer dims, then advance it like an odometer.
    std::array<int64_t, kMaxKernelDims> index{};
    std::array<int64_t, N> offsets{};
    for (int64_t d = rank - 2, r = begin; d >= 0; --d) {
      index[d] = r % dims[d];
      r /= dims[d];
      for (size_t k = 0; k < N; ++k) offsets[k] += index[d] * st[k][d];
    }
    for (int64_t row = begin; row < end; ++row) {
      row_fn(offsets, len, inner);
      for (int64_t d = rank - 2; d >= 0; --d) {
        for (size_t k = 0; k < N; ++k) offsets[k] += st[k][d];
        if (++index[d] < dims[d]) break;
        for (size_t k = 0; k < N; ++k) offsets[k] -= dims[d] * st[k][d];
        index[d] = 0;
      }
    }
  });
}

/// dst[i] = src[i] for two tensors of the same shape and any strides.
inline void copy_strided(const Tensor& src, const Tensor& dst) {
  const float* s = src.data();
  float* d = dst.data();
  for_each_row<2>(src.shape(), {dst.strides(), src.strides()},
                  [&](const std::array<int64_t, 2>& off, int64_t n, const std::array<int64_t, 2>& step) {
                    float* out = d + off[0];
                    const float* in = s + off[1];
                    if (step[0] == 1 && step[1] == 1) {
                      for (int64_t j = 0; j < n; ++j) out[j] = in[j];
                    } else {
                      for (int64_t j = 0; j < n; ++j) out[j * step[0]] = in[j * step[1]];
                    }
                  });
}

/// out[i] = f(x[i]) over contiguous tensors.
template <typename F>
void map_elements(const float* x, float* out, int64_t n, const F& f) {
  parallel_for(n, kElementGrain, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) out[i] = f(x[i]);
  });
}

/// out[i] = f(x[i], y[i]) over contiguous tensors.
template <typename F>
void zip_elements(const float* x, const float* y, float* out, int64_t n, const F& f) {
  parallel_for(n, kElementGrain, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) out[i] = f(x[i], y[i]);
  });
}

}  // namespace mt
