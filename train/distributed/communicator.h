// The processes of a training job. Started by mpirun, each process is one rank of an MPI job;
// started alone, it is the only rank and nothing here calls MPI. The trainer needs three
// collectives, all here: the sum of the gradients in a fixed order (rank r gathers part r of
// every rank's values and adds them in rank order, then every rank gathers every part), so every
// rank holds the same bits and those are the bits of one process adding the same micro-batches
// in rank order, and the sum of a step's few scalars (the loss and the votes to stop) in double;
// "does any rank say yes"; a barrier.
// Stop requests (SIGINT, SIGTERM, and under mpirun the SIGCONT it sends first when it ends a
// job) are counted here too: while a rank waits for the others it watches them, and when mpirun
// is ending the job (a second signal: a rank died or failed, or a stop took too long) it says so
// in one line and exits instead of hanging. Read next: gradient_sum.h.
#pragma once

#include <csignal>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace mt {

/// Asks a running train() to finish its step, save a checkpoint and return (signal-safe: the
/// command calls it from its signal handlers). Each call counts.
void request_stop();
/// Stop requests so far (0: none).
int stop_requests();
/// Withdraws the stop requests (for the next run in the same process).
void clear_stop_request();

/// Whether an MPI launcher (mpirun, or srun with PMIx) started this process, from its
/// environment: then the job has ranks. Known before MPI is initialized.
bool launched_by_mpi();

class Communicator {
 public:
  /// The job of this process: initializes MPI on first use when launched_by_mpi(), else a job
  /// of one rank. Launched by mpirun, a build without MPI is an error naming the CMake option.
  static Communicator& world();

  int rank() const { return rank_; }
  int size() const { return size_; }
  bool root() const { return rank_ == 0; }
  /// Ranks on this machine (for the default thread count: the cores shared among them).
  int local_size() const { return local_size_; }

  /// values ← the sum over ranks of values, added in rank order ((v0 + v1) + v2) + ..., the
  /// same bits on every rank. Each rank sends and receives 2(N-1)/N of the values, as a ring
  /// all-reduce does, and adds 1/N of them.
  void sum(std::span<float> values);
  /// values ← their sum over ranks, added in rank order, the same bits on every rank: for a
  /// step's few scalars (the loss and the votes to stop), every rank gathers every rank's.
  void sum(std::span<double> values);
  /// Whether `yes` holds on any rank.
  bool any(bool yes);
  void barrier();
  /// Ends every rank of the job with `code` (after an error on this one).
  [[noreturn]] void abort(int code);
  /// What a rank waiting for the others says when mpirun ends the job: the step and the
  /// checkpoint that is kept.
  void set_waiting_note(std::string note) { waiting_note_ = std::move(note); }

  ~Communicator();
  Communicator(const Communicator&) = delete;
  Communicator& operator=(const Communicator&) = delete;

 private:
  Communicator();
  void wait(void* request);  // an MPI_Request*, watching for the end of the job

  int rank_ = 0, size_ = 1, local_size_ = 1;
  bool mpi_ = false;
  std::string waiting_note_;
  std::vector<float> copies_;  // sum(): every rank's copy of this rank's part
};

}  // namespace mt
