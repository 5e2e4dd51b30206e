// The matrix-product kernel: oneDNN matmul primitives, created once per shape and stride
// pattern and cached, run under a threading policy (see threading.h and docs/performance.md).
#pragma once

#include <cstdint>
#include <vector>

namespace mt {

/// One operand as oneDNN sees it: rank-r dims and strides in elements. Batch dims of size 1
/// broadcast against the other operand.
struct MatmulOperand {
  const float* data;
  std::vector<int64_t> dims;
  std::vector<int64_t> strides;
};

/// c = a·b for a [..., M, K] and b [..., K, N] of equal rank; c is [..., M, N], contiguous,
/// and its batch dims are the broadcast of a's and b's.
void matmul_kernel(const MatmulOperand& a, const MatmulOperand& b, float* c);

/// The number of cached primitives on this thread (for tests of the cache).
int64_t matmul_cache_size();

/// Floating-point operations done by matmul_kernel since the process started (2·M·N·K per
/// product), for FLOP/s and model-utilization figures.
int64_t matmul_flops();

}  // namespace mt
