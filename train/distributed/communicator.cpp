// The ranks of a training job; see communicator.h.
#include "train/distributed/communicator.h"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <climits>
#include <cstdlib>
#include <thread>
#include <vector>

#include "autograd/check.h"
#include "autograd/profiler.h"

#ifdef MINITRANS_MPI
#include <mpi.h>
#endif

namespace mt {
namespace {

std::atomic<int> g_stop_requests{0};
static_assert(std::atomic<int>::is_always_lock_free, "request_stop runs in signal handlers");

}  // namespace

void request_stop() { g_stop_requests.fetch_add(1); }
int stop_requests() { return g_stop_requests.load(); }
void clear_stop_request() { g_stop_requests.store(0); }

bool launched_by_mpi() {
  return std::getenv("OMPI_COMM_WORLD_SIZE") != nullptr || std::getenv("PMIX_RANK") != nullptr ||
         std::getenv("PMI_SIZE") != nullptr;
}

Communicator& Communicator::world() {
  static Communicator job;
  return job;
}

#ifdef MINITRANS_MPI

Communicator::Communicator() {
  if (!launched_by_mpi()) return;
  int provided = 0;
  MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided);  // only the main thread calls MPI
  mpi_ = true;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
  MPI_Comm_size(MPI_COMM_WORLD, &size_);
  MPI_Comm local;
  MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &local);
  MPI_Comm_size(local, &local_size_);
  MPI_Comm_free(&local);
}

Communicator::~Communicator() {
  if (mpi_) MPI_Finalize();
}

void Communicator::wait(void* request) {
  auto* r = static_cast<MPI_Request*>(request);
  const auto start = std::chrono::steady_clock::now();
  for (int done = 0;;) {
    MPI_Test(r, &done, MPI_STATUS_IGNORE);
    if (done) return;
    // mpirun ends a job with SIGCONT, then SIGTERM: a second signal while waiting means the
    // others will not come (a rank died or failed, or a stop outlasted mpirun's grace period).
    if (stop_requests() >= 2) {
      if (root()) {
        const std::string line = "minitrans: error: rank 0: mpirun is ending the job while the ranks wait for each other "
                                 "(a rank died, failed or was killed: mpirun's message names it)" +
                                 (waiting_note_.empty() ? std::string() : "; " + waiting_note_) + "\n";
        [[maybe_unused]] const ssize_t written = ::write(STDERR_FILENO, line.data(), line.size());
      }
      std::_Exit(1);
    }
    // Spin for a millisecond, then wait asleep: a rank waiting out rank 0's validation leaves
    // its core to it.
    if (std::chrono::steady_clock::now() - start > std::chrono::milliseconds(1)) {
      std::this_thread::sleep_for(std::chrono::microseconds(100));
    }
  }
}

void Communicator::sum(std::span<float> values) {
  if (size_ == 1) return;
  MT_PROFILE("sum over ranks");
  MT_CHECK(values.size() < size_t{INT_MAX}, "Communicator::sum: ", values.size(), " values are more than MPI counts");
  // Part r of the values (the last one shorter) is summed by rank r.
  const int n = static_cast<int>(values.size()), part = (n + size_ - 1) / size_;
  std::vector<int> counts(size_), offsets(size_);
  for (int r = 0; r < size_; ++r) offsets[r] = std::min(n, r * part), counts[r] = std::min(n, (r + 1) * part) - offsets[r];
  const int mine = counts[rank_];
  // 1. Every rank sends part r of its values to rank r: this rank gets every rank's copy of its part.
  std::vector<float>& copies = copies_;  // kept: a fresh 1/N of the gradient each step costs page faults
  copies.resize(static_cast<size_t>(mine) * size_);
  std::vector<int> copy_counts(size_, mine), copy_offsets(size_);
  for (int r = 0; r < size_; ++r) copy_offsets[r] = r * mine;
  MPI_Request request;
  MPI_Ialltoallv(values.data(), counts.data(), offsets.data(), MPI_FLOAT, copies.data(), copy_counts.data(),
                 copy_offsets.data(), MPI_FLOAT, MPI_COMM_WORLD, &request);
  wait(&request);
  // 2. Their sum, added in rank order: ((v0 + v1) + v2) + ..., as one process accumulates.
  float* sum = values.data() + offsets[rank_];
  std::copy(copies.begin(), copies.begin() + mine, sum);
  for (int r = 1; r < size_; ++r) {
    const float* next = copies.data() + static_cast<size_t>(r) * mine;
#pragma omp simd
    for (int i = 0; i < mine; ++i) sum[i] += next[i];
  }
  // 3. Every rank's part to every rank: copies, so every rank holds the same bits.
  MPI_Iallgatherv(MPI_IN_PLACE, 0, MPI_FLOAT, values.data(), counts.data(), offsets.data(), MPI_FLOAT, MPI_COMM_WORLD,
                  &request);
  wait(&request);
}

void Communicator::sum(std::span<double> values) {
  if (size_ == 1) return;
  const int n = static_cast<int>(values.size());
  std::vector<double> all(static_cast<size_t>(n) * size_);
  MPI_Request request;
  MPI_Iallgather(values.data(), n, MPI_DOUBLE, all.data(), n, MPI_DOUBLE, MPI_COMM_WORLD, &request);
  wait(&request);
  for (int i = 0; i < n; ++i) {
    double sum = all[i];
    for (int r = 1; r < size_; ++r) sum += all[static_cast<size_t>(r) * n + i];
    values[i] = sum;
  }
}

bool Communicator::any(bool yes) {
  if (size_ == 1) return yes;
  int mine = yes ? 1 : 0, all = 0;
  MPI_Request request;
  MPI_Iallreduce(&mine, &all, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD, &request);
  wait(&request);
  return all != 0;
}

void Communicator::barrier() {
  if (size_ == 1) return;
  MPI_Request request;
  MPI_Ibarrier(MPI_COMM_WORLD, &request);
  wait(&request);
}

void Communicator::abort(int code) {
  if (mpi_) MPI_Abort(MPI_COMM_WORLD, code);
  std::_Exit(code);
}

#else  // built without MPI: always one rank

Communicator::Communicator() {
  MT_CHECK(!launched_by_mpi(), "mpirun started this minitrans, but it was built without MPI (install libopenmpi-dev, "
           "then configure with cmake -DMINITRANS_MPI=ON)");
}
Communicator::~Communicator() = default;
void Communicator::wait(void*) {}
void Communicator::sum(std::span<float>) {}
void Communicator::sum(std::span<double>) {}
bool Communicator::any(bool yes) { return yes; }
void Communicator::barrier() {}
void Communicator::abort(int code) { std::_Exit(code); }

#endif

}  // namespace mt
