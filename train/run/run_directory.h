// A run directory holds one run. The process that trains in it claims it: a lock on RUN/.lock
// (flock: the kernel releases it when the process ends, a crash included, so none is left stuck)
// refuses a second process in one line naming the first one's pid. A new run refuses a
// directory that already holds a run, naming --resume, a new train.run_dir and --overwrite;
// --overwrite removes the run's files first (only those: other files stay). A run that ended
// writes a "finished" record to metrics.jsonl, so `train` pointed at it again can say so
// (cli/job.h). Read next: checkpoint.h.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace mt {

/// How train() treats its run directory.
enum class Start {
  kNew,        // a new run: the directory must not hold one
  kResume,     // continue the run the directory holds
  kOverwrite,  // a new run replacing the one the directory holds
};

/// What the run in a directory got to: its last checkpoint's step, and whether it finished.
struct RunStatus {
  int64_t step = 0;
  bool finished = false;
  std::string finished_because;  // the reason its finished record gives
};
/// The run `dir` holds, or nothing when it holds none (no checkpoint: a run that failed before
/// its first one left nothing to lose).
std::optional<RunStatus> run_status(const std::string& dir);

class RunDirectory {
 public:
  /// Creates `dir` if needed and, when `lock`, claims it for this process (rank 0 of a job);
  /// then applies `start` as above. Errors name the directory. A directory it created and that
  /// holds nothing but the lock when it is destroyed (the run failed before writing a file) is
  /// removed, with the parents it created.
  RunDirectory(const std::string& dir, Start start, bool lock);
  ~RunDirectory();
  RunDirectory(const RunDirectory&) = delete;
  RunDirectory& operator=(const RunDirectory&) = delete;
  const std::string& path() const { return dir_; }

 private:
  std::string created_;  // the outermost directory this process created for the run ("": none)
  std::string dir_;
  int lock_fd_ = -1;
};

}  // namespace mt
