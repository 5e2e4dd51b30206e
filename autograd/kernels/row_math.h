// Vectorized row primitives shared by the row kernels (softmax, log_softmax, cross_entropy,
// layer_norm). `omp simd reduction` (compiled with -fopenmp-simd: no OpenMP runtime) lets the
// compiler keep several partial sums in vector lanes, which strict IEEE order otherwise forbids.
#pragma once

#include <cstdint>
#include <limits>

#include "autograd/kernels/fast_math.h"

namespace mt {

/// Largest element of x[0, n) (-inf for an empty row).
inline float row_max(const float* x, int64_t n) {
  float m = -std::numeric_limits<float>::infinity();
#pragma omp simd reduction(max : m)
  for (int64_t j = 0; j < n; ++j) m = x[j] > m ? x[j] : m;
  return m;
}

/// Σ x[j].
inline float row_sum(const float* x, int64_t n) {
  float s = 0.0f;
#pragma omp simd reduction(+ : s)
  for (int64_t j = 0; j < n; ++j) s += x[j];
  return s;
}

/// Σ x[j]·y[j].
inline float row_dot(const float* x, const float* y, int64_t n) {
  float s = 0.0f;
#pragma omp simd reduction(+ : s)
  for (int64_t j = 0; j < n; ++j) s += x[j] * y[j];
  return s;
}

/// Σ exp(x[j] - shift), without storing the exponentials.
inline float row_sum_exp(const float* x, float shift, int64_t n) {
  float s = 0.0f;
#pragma omp simd reduction(+ : s)
  for (int64_t j = 0; j < n; ++j) s += fast_exp(x[j] - shift);
  return s;
}

}  // namespace mt
