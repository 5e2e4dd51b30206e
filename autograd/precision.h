// The number format of the matrix products. In bf16 every product of matmul_kernel (Linear
// layers, the output projection, matmul, attention's large heads) reads its two operands rounded
// to bfloat16 (Linear rounds its input, weight and output gradient once for its three products)
// and accumulates in fp32; its result, the weights, the optimizer state, softmax,
// layer norm, the loss and every reduction stay fp32. oneDNN picks the bf16 kernel for the CPU at
// run time: AMX or AVX512_BF16 where the CPU has them, a slow emulation elsewhere, which is why
// bf16_is_native() is asked first (train.precision = auto, docs/training.md).
#pragma once

#include <string>

namespace mt {

enum class Precision { kFp32, kBf16 };

/// Selects the products' number format for the whole process (every thread).
void set_matmul_precision(Precision p);
Precision matmul_precision();

/// True where oneDNN runs bf16 products on the CPU's own bf16 instructions (the ISA it picked
/// is avx512_core_bf16 or avx512_core_amx; DNNL_MAX_CPU_ISA lowers it).
bool bf16_is_native();
/// "fp32" or "bf16".
std::string precision_name(Precision p);

/// Sets the products' number format until it goes out of scope, then restores the previous one.
class PrecisionGuard {
 public:
  explicit PrecisionGuard(Precision p);
  ~PrecisionGuard();
  PrecisionGuard(const PrecisionGuard&) = delete;
  PrecisionGuard& operator=(const PrecisionGuard&) = delete;

 private:
  Precision previous_;
};

}  // namespace mt
