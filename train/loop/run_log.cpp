// The run's log and record; see run_log.h.
#include "train/loop/run_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>

#include "autograd/check.h"
#include "data/atomic_file.h"

namespace mt {
namespace {

// A float as the double of its shortest decimal (0.003f is recorded as 0.003, not 0.0030000000260).
double shortest(float v) {
  char text[32];
  const auto end = std::to_chars(text, text + sizeof(text), v).ptr;
  return std::strtod(std::string(text, end).c_str(), nullptr);
}

}  // namespace

RunLog::RunLog(const std::string& metrics_path, std::ostream& out, bool terminal, TrainingBudget budget,
               double elapsed_before)
    : path_(metrics_path),
      fd_(metrics_path.empty() ? -1 : ::open(metrics_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644)), out_(out),
      terminal_(terminal), budget_(budget), elapsed_before_(elapsed_before) {
  MT_CHECK(fd_ >= 0 || metrics_path.empty(), metrics_path, ": cannot open for writing: ", std::strerror(errno));
}

RunLog::~RunLog() {
  if (fd_ >= 0) ::close(fd_);
}

double RunLog::cut_for_resume(const std::string& metrics_path, int64_t step) {
  std::ifstream in(metrics_path);
  if (!in) return 0.0;
  std::string kept;
  double elapsed = 0.0;
  for (std::string line; std::getline(in, line) && !in.eof();) {  // a last line without '\n' is partial
    const nlohmann::json record = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (!record.is_object() || !record.contains("step") || !record["step"].is_number()) break;
    if (record["step"].get<int64_t>() > step) break;  // written after the checkpoint by a run that then stopped
    if (record.contains("elapsed_s") && record["elapsed_s"].is_number()) elapsed = record["elapsed_s"].get<double>();
    kept += line + "\n";
  }
  in.close();
  write_file_atomically(metrics_path, kept);
  return elapsed;
}

void RunLog::record(const nlohmann::ordered_json& record) {
  // One line, spaced for reading; each value as nlohmann::json writes it (NaN and Inf as null).
  std::string text = "{";
  for (const auto& [key, value] : record.items()) {
    text += (text.size() > 1 ? ", " : "") + nlohmann::json(key).dump() + ": " + value.dump();
  }
  text += "}\n";
  if (fd_ >= 0) write_all(fd_, text.data(), text.size(), path_);
}

void RunLog::line(const std::string& text) { out_ << (terminal_ ? "\r\033[K" : "") << text << "\n"; }

std::string RunLog::clock_text(double seconds) {
  const long s = std::lround(seconds);
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%ld:%02ld", s / 60, s % 60);
  return buffer;
}

double RunLog::elapsed() const { return std::chrono::duration<double>(Clock::now() - start_).count(); }

double RunLog::eta(int64_t step) const {
  const double by_steps =
      steps_seen_ > 0 ? elapsed() / steps_seen_ * static_cast<double>(std::max<int64_t>(0, budget_.steps - step)) : 0.0;
  return budget_.seconds > 0.0 ? std::min(by_steps, std::max(0.0, budget_.seconds - total_elapsed())) : by_steps;
}

void RunLog::step(int64_t step, int64_t epoch, double loss, float lr, int64_t tokens, bool log_now) {
  window_loss_ += loss;
  window_tokens_ += tokens;
  ++window_steps_;
  ++steps_seen_;
  if (!log_now && !terminal_) return;
  const double elapsed = this->elapsed();
  const double window = std::chrono::duration<double>(Clock::now() - window_start_).count();
  const double tokens_per_s = window > 0 ? window_tokens_ / window : 0.0;
  const double mean = window_loss_ / window_steps_;
  char text[256];
  const double left = eta(step);
  if (terminal_) {  // the bar shows the nearer end: the last step or the time limit
    const double done = budget_.steps > 0 ? static_cast<double>(step) / budget_.steps : 1.0;
    const double fraction = std::max(done, elapsed + left > 0 ? elapsed / (elapsed + left) : 1.0);
    const int width = 24, filled = static_cast<int>(width * std::min(1.0, fraction));
    std::snprintf(text, sizeof(text), "\r\033[K[%s%s] step %lld/%lld  loss %.4f  %.0f tok/s  lr %.2e  ETA %s",
                  std::string(filled, '#').c_str(), std::string(width - filled, '.').c_str(), (long long)step,
                  (long long)budget_.steps, mean, tokens_per_s, lr, clock_text(left).c_str());
    out_ << text << std::flush;
  }
  if (!log_now) return;
  if (!terminal_) {
    std::snprintf(text, sizeof(text), "step %lld/%lld  epoch %lld  loss %.4f  lr %.2e  %.0f tok/s  elapsed %s  ETA %s",
                  (long long)step, (long long)budget_.steps, (long long)epoch, mean, lr, tokens_per_s,
                  clock_text(elapsed).c_str(), clock_text(left).c_str());
    out_ << text << "\n";
  }
  record({{"step", step}, {"epoch", epoch}, {"loss", mean}, {"lr", shortest(lr)}, {"tokens_per_s", tokens_per_s},
          {"elapsed_s", elapsed_before_ + elapsed}});
  window_loss_ = 0.0;
  window_steps_ = window_tokens_ = 0;
  window_start_ = Clock::now();
}

void RunLog::close() {
  if (terminal_) out_ << "\n";
}

}  // namespace mt
