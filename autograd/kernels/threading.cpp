// The threading policy; see threading.h.
#include "autograd/threading.h"

#include <oneapi/dnnl/dnnl.h>
#include <tbb/global_control.h>

#include <pmmintrin.h>
#include <tbb/task_scheduler_observer.h>
#include <xmmintrin.h>

#include <atomic>
#include <memory>

#include "autograd/check.h"

namespace mt {
namespace {
MatmulThreading g_matmul_threading = MatmulThreading::kTbb;
std::unique_ptr<tbb::global_control> g_thread_limit;
std::atomic<bool> g_flush_denormals{true};

void apply_denormal_mode() {
  const bool on = g_flush_denormals.load();
  _MM_SET_FLUSH_ZERO_MODE(on ? _MM_FLUSH_ZERO_ON : _MM_FLUSH_ZERO_OFF);
  _MM_SET_DENORMALS_ZERO_MODE(on ? _MM_DENORMALS_ZERO_ON : _MM_DENORMALS_ZERO_OFF);
}

// Sets the denormal mode on each TBB worker as it starts working.
class DenormalObserver : public tbb::task_scheduler_observer {
 public:
  DenormalObserver() { observe(true); }
  void on_scheduler_entry(bool) override { apply_denormal_mode(); }
};

// At program start, on the main thread: its own mode, and the observer for the workers.
const bool g_started = [] {
  apply_denormal_mode();
  static DenormalObserver observer;
  return true;
}();
}  // namespace

#if defined(__SANITIZE_ADDRESS__)
// TBB allocates a proxy when an observer registers before any arena exists, and keeps it to the
// end: one 40-byte block that LeakSanitizer would report at every exit.
// Used suppressions are not listed at exit, so that stderr carries only the program's own lines.
extern "C" const char* __lsan_default_suppressions() { return "leak:tbb::detail::r1::observe\n"; }
extern "C" const char* __lsan_default_options() { return "print_suppressions=0"; }
#endif

void set_flush_denormals(bool on) {
  g_flush_denormals = on;
  apply_denormal_mode();  // this thread now; workers as they next enter the scheduler
}

bool flush_denormals() { return g_flush_denormals.load(); }

void set_matmul_threading(MatmulThreading mode) { g_matmul_threading = mode; }
MatmulThreading matmul_threading() { return g_matmul_threading; }

int num_threads() {
  return static_cast<int>(tbb::global_control::active_value(tbb::global_control::max_allowed_parallelism));
}

void set_num_threads(int n) {
  MT_CHECK(n >= 1, "set_num_threads: need at least 1 thread, got ", n);
  g_thread_limit = std::make_unique<tbb::global_control>(tbb::global_control::max_allowed_parallelism, n);
}

std::string matmul_library() {
  const dnnl_version_t* v = dnnl_version();
  const char* isa = "unknown";
  switch (dnnl_get_effective_cpu_isa()) {
    case dnnl_cpu_isa_sse41: isa = "sse4.1"; break;
    case dnnl_cpu_isa_avx: isa = "avx"; break;
    case dnnl_cpu_isa_avx2: isa = "avx2"; break;
    case dnnl_cpu_isa_avx2_vnni: isa = "avx2_vnni"; break;
    case dnnl_cpu_isa_avx512_core: isa = "avx512_core"; break;
    case dnnl_cpu_isa_avx512_core_vnni: isa = "avx512_core_vnni"; break;
    case dnnl_cpu_isa_avx512_core_bf16: isa = "avx512_core_bf16"; break;
    case dnnl_cpu_isa_avx512_core_amx: isa = "avx512_core_amx"; break;
    default: break;
  }
  return str("oneDNN ", v->major, ".", v->minor, ".", v->patch, " (", isa, ")");
}

}  // namespace mt
