// The matrix-product kernel: oneDNN matmul primitives, created once per shape and stride
// pattern and cached, run under a threading policy (see threading.h and docs/performance.md).
#pragma once

#include <cstdint>
#include <vector>

#include "autograd/precision.h"
#include "autograd/tensor.h"

namespace mt {

/// One operand as oneDNN sees it: rank-r dims and strides in elements. Batch dims of size 1
/// broadcast against the other operand.
struct MatmulOperand {
  const float* data;
  std::vector<int64_t> dims;
  std::vector<int64_t> strides;
};

/// The operand view of a tensor at `rank` dims (leading size-1 dims added), optionally with its
/// last two dims swapped (a transpose without a copy).
MatmulOperand matmul_operand(const Tensor& x, size_t rank, bool transpose = false);

/// c = a·b for a [..., M, K] and b [..., K, N] of equal rank; c is [..., M, N], contiguous,
/// and its batch dims are the broadcast of a's and b's.
void matmul_kernel(const MatmulOperand& a, const MatmulOperand& b, float* c);
/// The same, writing c with the given strides (e.g. attention heads straight into [B, T, H, Dh]),
/// and adding `bias` [N] to every row when given (fused into the product); `precision` is the
/// operands' number format (precision.h).
void matmul_kernel(const MatmulOperand& a, const MatmulOperand& b, float* c, const std::vector<int64_t>& c_strides,
                   const float* bias = nullptr, Precision precision = matmul_precision());

/// The number of cached primitives on this thread (for tests of the cache).
int64_t matmul_cache_size();

/// matmul_flops() (autograd/profiler.h) counts the products of matmul_kernel.

}  // namespace mt
