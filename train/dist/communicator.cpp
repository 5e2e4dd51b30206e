// The ranks of a training job; see communicator.h.
#include "train/dist/communicator.h"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <climits>
#include <cstdlib>
#include <thread>
#include <vector>

#include "autograd/check.h"

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

namespace {
constexpr size_t kChunk = size_t{1} << 18;  // floats per message of the chain (1 MiB)
}  // namespace

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
  MT_CHECK(values.size() < size_t{INT_MAX}, "Communicator::sum: ", values.size(), " values are more than MPI counts");
  const size_t chunks = (values.size() + kChunk - 1) / kChunk;
  const auto length = [&](size_t c) { return static_cast<int>(std::min(kChunk, values.size() - c * kChunk)); };
  // The chain: rank r receives the partial sum of ranks 0..r-1, adds its own, passes it on.
  std::vector<float> partial[2] = {std::vector<float>(kChunk), std::vector<float>(kChunk)};
  MPI_Request incoming = MPI_REQUEST_NULL;
  const auto receive = [&](size_t c) {
    MPI_Irecv(partial[c % 2].data(), length(c), MPI_FLOAT, rank_ - 1, 0, MPI_COMM_WORLD, &incoming);
  };
  std::vector<MPI_Request> sent(chunks, MPI_REQUEST_NULL);
  if (rank_ > 0) receive(0);
  for (size_t c = 0; c < chunks; ++c) {
    float* mine = values.data() + c * kChunk;
    if (rank_ > 0) {
      wait(&incoming);
      if (c + 1 < chunks) receive(c + 1);  // into the other buffer, while this one is added
      const float* before = partial[c % 2].data();
      for (int i = 0; i < length(c); ++i) mine[i] = before[i] + mine[i];
    }
    if (rank_ + 1 < size_) MPI_Isend(mine, length(c), MPI_FLOAT, rank_ + 1, 0, MPI_COMM_WORLD, &sent[c]);
  }
  for (MPI_Request& s : sent) wait(&s);
  // The last rank holds the sum: a broadcast copies its bits to every rank.
  MPI_Request broadcast;
  MPI_Ibcast(values.data(), static_cast<int>(values.size()), MPI_FLOAT, size_ - 1, MPI_COMM_WORLD, &broadcast);
  wait(&broadcast);
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
bool Communicator::any(bool yes) { return yes; }
void Communicator::barrier() {}
void Communicator::abort(int code) { std::_Exit(code); }

#endif

}  // namespace mt
