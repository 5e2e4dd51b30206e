// The threading policy; see threading.h.
#include "autograd/kernels/threading.h"

#include <tbb/global_control.h>

#include <memory>

#include "autograd/check.h"

namespace mt {
namespace {
MatmulThreading g_matmul_threading = MatmulThreading::kTbb;
std::unique_ptr<tbb::global_control> g_thread_limit;
}  // namespace

void set_matmul_threading(MatmulThreading mode) { g_matmul_threading = mode; }
MatmulThreading matmul_threading() { return g_matmul_threading; }

int num_threads() {
  return static_cast<int>(tbb::global_control::active_value(tbb::global_control::max_allowed_parallelism));
}

void set_num_threads(int n) {
  MT_CHECK(n >= 1, "set_num_threads: need at least 1 thread, got ", n);
  g_thread_limit = std::make_unique<tbb::global_control>(tbb::global_control::max_allowed_parallelism, n);
}

}  // namespace mt
