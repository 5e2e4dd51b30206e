// The matrix-product kernel: oneDNN matmul primitives, created once per shape and stride
// pattern and cached, run under a threading policy (see threading.h and docs/performance.md).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "autograd/precision.h"
#include "autograd/tensor.h"

namespace mt {

/// A contiguous tensor's elements rounded to bfloat16 (nearest, ties to even) in the same order,
/// made once and shared by the products that read the tensor: Linear rounds its input and weight
/// once for its forward and both backward products, and the output gradient once for the two.
class Bf16Copy {
 public:
  Bf16Copy() = default;
  explicit Bf16Copy(const Tensor& x);
  const uint16_t* data() const { return data_.get(); }

 private:
  std::shared_ptr<uint16_t> data_;
};

/// One operand as oneDNN sees it: rank-r dims and strides in elements. Batch dims of size 1
/// broadcast against the other operand. `bf16`, where given, holds the elements rounded at the
/// same offsets (a Bf16Copy), and a bf16 product reads it instead of rounding `data` again.
struct MatmulOperand {
  const float* data;
  std::vector<int64_t> dims;
  std::vector<int64_t> strides;
  const uint16_t* bf16 = nullptr;
};

/// The operand view of a tensor at `rank` dims (leading size-1 dims added), optionally with its
/// last two dims swapped (a transpose without a copy), and optionally carrying its bf16 copy.
MatmulOperand matmul_operand(const Tensor& x, size_t rank, bool transpose = false, const Bf16Copy& bf16 = {});

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
