// Strided element loops. for_each_row walks N operands of one shape, each with its own strides
// (an output, inputs, broadcast views with zero strides), one innermost row at a time, rows
// split across cores. Dims that are laid out back to back in every operand are merged first,
// so a contiguous tensor is a single long row.
#pragma once

#include <array>
#include <cstdint>

#include "autograd/kernels/parallel.h"
#include "autograd/shape.h"
#include "autograd/tensor.h"

namespace mt {

/// Calls row_fn(offsets, len, inner_strides) for every innermost row of `shape`, where
/// offsets[k] is where operand k's row starts and inner_strides[k] its step along the row.
template <size_t N, typename RowFn>
void for_each_row(const Shape& shape, const std::array<Strides, N>& strides, const RowFn& row_fn) {
  // Merge dims: drop size-1 dims, fuse dim i into i+1 where every operand allows it.
  Shape dims;
  std::array<Strides, N> st;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == 1) continue;
    bool fuse = !dims.empty();
    for (size_t k = 0; k < N && fuse; ++k) fuse = st[k].back() == strides[k][i] * shape[i];
    if (fuse) {
      dims.back() *= shape[i];
      for (size_t k = 0; k < N; ++k) st[k].back() = strides[k][i];
    } else {
      dims.push_back(shape[i]);
      for (size_t k = 0; k < N; ++k) st[k].push_back(strides[k][i]);
    }
  }
  if (dims.empty()) {  // a single element
    dims.push_back(1);
    for (size_t k = 0; k < N; ++k) st[k].push_back(0);
  }
  for (int64_t d : dims) if (d == 0) return;

  const int64_t rank = static_cast<int64_t>(dims.size());
  const int64_t len = dims.back();
  const int64_t rows = numel(dims) / len;
  std::array<int64_t, N> inner;
  for (size_t k = 0; k < N; ++k) inner[k] = st[k].back();

  parallel_for(rows, row_grain(len), [&](int64_t begin, int64_t end) {
    // Multi-index of row `begin` over the outer dims, then advance it like an odometer.
    std::vector<int64_t> index(rank, 0);
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
