// Who owns the cores. oneDNN (Debian's build) runs on OpenMP; our kernels run on TBB. When an
// OpenMP team finishes a matmul its threads keep spinning, and a TBB kernel that starts right
// after runs at about half speed on a 2-core machine (measured in bench/, written up in
// docs/performance.md). So by default TBB owns the cores: oneDNN is told to use one OpenMP
// thread, and the matmul kernel itself splits big products across TBB tasks.
#pragma once

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

}  // namespace mt
