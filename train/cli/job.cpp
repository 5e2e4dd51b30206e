// The command as one process of a job; see job.h.
#include "train/cli/job.h"

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <thread>

#include "autograd/check.h"
#include "train/distributed/communicator.h"
#include "train/translate/evaluate.h"

namespace mt {
namespace {

// SIGINT / SIGTERM: finish the step, save, exit 0 (a second signal stops at once).
extern "C" void on_stop_signal(int signal) {
  request_stop();
  std::signal(signal, SIG_DFL);
}

// Under mpirun, which ends a job by sending every rank SIGCONT, then SIGTERM a second later, then
// SIGKILL: each of them is a stop request (the ranks agree on the step to stop after), and a
// second one while the ranks wait for each other ends the job (communicator.h). SIGCONT after
// a SIGTSTP that mpirun forwarded (Ctrl-Z, then fg) is job control, not a stop.
volatile std::sig_atomic_t g_suspended = 0;
extern "C" void on_job_signal(int signal) {
  if (signal == SIGTSTP) {
    g_suspended = 1;
    std::raise(SIGSTOP);
  } else if (signal == SIGCONT && g_suspended) {
    g_suspended = 0;
  } else {
    request_stop();
  }
}

}  // namespace

void watch_stop_signals() {
  if (!launched_by_mpi()) {
    std::signal(SIGINT, on_stop_signal);
    std::signal(SIGTERM, on_stop_signal);
    return;
  }
  for (int signal : {SIGINT, SIGTERM, SIGCONT, SIGTSTP}) std::signal(signal, on_job_signal);
}

// The error line. Under mpirun a rank other than 0 names itself, after a pause in which the job
// may already be ending (the same error on rank 0: its line is enough); then every rank ends.
int fail(const std::string& message) {
  if (!launched_by_mpi()) {
    std::cerr << "minitrans: error: " << message << "\n";
    return 1;
  }
  Communicator* ranks = nullptr;
  try {
    ranks = &Communicator::world();
  } catch (const Error& e) {  // built without MPI: this is the error to report
    std::cerr << "minitrans: error: " << e.what() << "\n";
    return 1;
  }
  Communicator& job = *ranks;
  if (!job.root()) {
    for (int i = 0; i < 20 && stop_requests() == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (stop_requests() > 0) std::_Exit(1);
  }
  // One write, so that mpirun forwards the line whole, even with its own banner coming.
  std::cerr << str("minitrans: error: ", job.root() ? "" : str("rank ", job.rank(), ": "), message, "\n") << std::flush;
  job.abort(1);
}

// A run stopped on request under mpirun ends here: mpirun is tearing the job down, and
// MPI_Finalize would wait for it until its SIGKILL (odls_base_sigkill_timeout, twice over).
bool report_finished_run(const Config& config, std::ostream& out) {
  const std::string& dir = config.train.run_dir;
  const std::optional<RunStatus> run = run_status(dir);
  if (!run || !run->finished) return false;
  out << dir << " holds a finished run (" << run->finished_because << " at step " << run->step
      << "); nothing to train. Its test translations, with its best weights:\n";
  const LoadedModel best = load_for_inference(dir);
  const auto test = data::tokenize_pairs(read_split(best.config.data.test), *best.codec.src_tokenizer,
                                         *best.codec.tgt_tokenizer);
  if (!test.empty()) {
    const EvalResult r = evaluate(*best.model, best.codec, test, test_decoding(best.config));
    out << shown_translations(test, r, best.config.train.show_translations);
    out << "test: " << eval_text(r) << "\n";
  }
  out << "To train it further: minitrans train --resume " << dir << " --train.max_steps=N; to train it again "
      << "from scratch: add --overwrite; or give another --train.run_dir\n";
  return true;
}

int finish_train(const TrainResult& result) {
  if (result.interrupted && launched_by_mpi()) {
    std::cout.flush(), std::cerr.flush();
    std::_Exit(0);
  }
  return 0;
}

}  // namespace mt
