// The products' number format; see precision.h.
#include "autograd/precision.h"

#include <oneapi/dnnl/dnnl.h>

#include <atomic>

namespace mt {
namespace {
// One setting for every thread: products run on TBB workers as well as the caller.
std::atomic<Precision> g_precision{Precision::kFp32};
}  // namespace

void set_matmul_precision(Precision p) { g_precision = p; }
Precision matmul_precision() { return g_precision.load(); }

bool bf16_is_native() {
  const dnnl_cpu_isa_t isa = dnnl_get_effective_cpu_isa();
  return isa == dnnl_cpu_isa_avx512_core_bf16 || isa == dnnl_cpu_isa_avx512_core_amx;
}

std::string precision_name(Precision p) { return p == Precision::kBf16 ? "bf16" : "fp32"; }

PrecisionGuard::PrecisionGuard(Precision p) : previous_(matmul_precision()) { set_matmul_precision(p); }
PrecisionGuard::~PrecisionGuard() { set_matmul_precision(previous_); }

}  // namespace mt
