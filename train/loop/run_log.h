// What a training run tells: the progress bar on a terminal (or a plain log line every
// log_every steps elsewhere), the other lines of the log, and metrics.jsonl, the run's record.
// Every record is built with nlohmann::json (a NaN or Inf becomes null, never invalid JSON) and
// appended with one write; a failed write (disk full) throws, naming the file. The loop
// (trainer.h) only says what happened. Read next: trainer.h.
#pragma once

#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>

namespace mt {

/// Where a run stops: after `steps` (the nearer of train.max_steps and train.epochs) or after
/// `seconds` of training (train.time_limit; 0: no limit), whichever comes first.
struct TrainingBudget {
  int64_t steps = 0;
  double seconds = 0.0;
};

class RunLog {
 public:
  /// Appends to `metrics_path` (none when empty: a rank other than 0); `out` is the log, a terminal when `terminal`. `elapsed_before`
  /// is the training time of earlier runs of a resumed run, so elapsed_s continues.
  RunLog(const std::string& metrics_path, std::ostream& out, bool terminal, TrainingBudget budget,
         double elapsed_before = 0.0);

  /// Before resuming at `step`: cuts metrics.jsonl back to the records the checkpoint had seen
  /// (those up to `step`, ending before a partial line a crash left), atomically, and returns
  /// the training time recorded by then (the last elapsed_s). A missing file gives 0.
  static double cut_for_resume(const std::string& metrics_path, int64_t step);
  ~RunLog();
  RunLog(const RunLog&) = delete;
  RunLog& operator=(const RunLog&) = delete;

  /// One record in metrics.jsonl, its keys in the order given: {"step": 20, "loss": 2.5, ...}.
  void record(const nlohmann::ordered_json& record);
  /// One line of the log (on a terminal it replaces the progress bar, which comes back).
  void line(const std::string& text);
  /// A finished training step: the bar on a terminal; on log steps a log line (elsewhere) and
  /// the record of the window since the last one (mean loss, lr, tokens/s, elapsed time).
  void step(int64_t step, int64_t epoch, double loss, float lr, int64_t tokens, bool log_now);
  /// Ends the progress bar's line.
  void close();
  /// Seconds since the log was made (training time).
  double elapsed() const;
  /// elapsed() plus the training time of the earlier runs of a resumed run.
  double total_elapsed() const { return elapsed_before_ + elapsed(); }
  /// Seconds left after `step`, at the pace of the steps this log has seen: until the budget's
  /// last step or the end of its time, whichever is nearer.
  double eta(int64_t step) const;

  static std::string clock_text(double seconds);  // "m:ss"

 private:
  using Clock = std::chrono::steady_clock;
  std::string path_;
  int fd_;
  std::ostream& out_;
  const bool terminal_;
  const TrainingBudget budget_;
  const double elapsed_before_;
  int64_t steps_seen_ = 0;  // by this log: a resumed run's pace is this process's
  const Clock::time_point start_ = Clock::now();
  Clock::time_point window_start_ = start_;
  double window_loss_ = 0.0;
  int64_t window_steps_ = 0, window_tokens_ = 0;
};

}  // namespace mt
