// Who owns the cores. oneDNN (Debian's build) runs on OpenMP; our kernels run on TBB. When an
// OpenMP team finishes a matmul its threads keep spinning, and a TBB kernel that starts right
// after runs at about half speed on a 2-core machine (measured in bench/, written up in
// docs/performance.md). So by default TBB owns the cores: oneDNN is told to use one OpenMP
// thread, and the matmul kernel itself splits big products across TBB tasks.
#pragma once

#include <string>

namespace mt {

enum class MatmulThreading {
  kTbb,     // default: single-threaded oneDNN calls, split across TBB tasks
  kOpenMP,  // oneDNN's own OpenMP threads (kept for measurement)
};

/// Selects how matmul uses the cores (clears the primitive cache on the calling thread).
void set_matmul_threading(MatmulThreading mode);
MatmulThreading matmul_threading();

/// Threads our kernels may use (TBB's default: the cores available to this process).
int num_threads();
/// Limits every kernel (TBB and oneDNN) to `n` threads for the rest of the process.
void set_num_threads(int n);

/// The matrix library and the instruction set its kernels run on here, chosen at run time:
/// "oneDNN 2.6.3 (avx2)".
std::string matmul_library();

/// Denormal floats (below 1.2e-38 in magnitude) are flushed to zero (the FTZ and DAZ modes) on
/// the main thread and on every TBB worker: gradients that small carry nothing, and arithmetic
/// on them runs up to 10x slower (measured: one backward matmul of the small preset took 14 ms
/// instead of 2). On from program start; other threads of yours that run ops keep their mode.
void set_flush_denormals(bool on);
bool flush_denormals();

}  // namespace mt
