// A run directory holds one run; see run_directory.h.
#include "train/run/run_directory.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "autograd/check.h"
#include "train/run/checkpoint.h"
#include "train/run/safetensors.h"

namespace mt {
namespace fs = std::filesystem;
namespace {

// The files a run writes (run_file names), which --overwrite removes.
bool is_run_file(const std::string& name) {
  static const char* const exact[] = {"config.ini", "model.safetensors", "best_model.safetensors", "metrics.jsonl",
                                      "curves.svg", "report.html", "src_vocab.txt", "tgt_vocab.txt", "spm.model",
                                      "src.spm.model", "tgt.spm.model", "data.json"};
  for (const char* e : exact) {
    if (name == e) return true;
  }
  return name.rfind("optimizer-", 0) == 0 && name.size() > 22 && name.substr(name.size() - 12) == ".safetensors";
}

}  // namespace

std::optional<RunStatus> run_status(const std::string& dir) {
  if (!fs::exists(run_file(dir, "model.safetensors"))) return std::nullopt;  // no checkpoint: nothing to lose
  RunStatus status;
  try {
    status.step = std::stoll(load_safetensors_metadata(run_file(dir, "model.safetensors")).at("step"));
  } catch (const std::exception&) {
    status.step = 0;  // unreadable: still a run, of unknown progress
  }
  std::ifstream metrics(run_file(dir, "metrics.jsonl"));
  for (std::string line; std::getline(metrics, line);) {
    const auto record = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (record.is_object() && record.contains("finished") && record["finished"].is_string()) {
      status.finished = true;
      status.finished_because = record["finished"].get<std::string>();
    }
  }
  return status;
}

namespace {

// `dir` absolute, without a trailing separator.
std::filesystem::path absolute_dir(const std::string& dir, std::error_code& error) {
  const std::filesystem::path p = std::filesystem::absolute(dir, error).lexically_normal();
  return p.has_filename() ? p : p.parent_path();
}

// The outermost of `dir` and its parents that does not exist yet ("" when `dir` exists).
std::string outermost_missing(const std::string& dir) {
  std::error_code error;
  std::filesystem::path missing;
  for (std::filesystem::path p = absolute_dir(dir, error); !p.empty() && !std::filesystem::exists(p);
       p = p.parent_path()) {
    missing = p;
    if (p == p.parent_path()) break;
  }
  return missing.string();
}

}  // namespace

RunDirectory::RunDirectory(const std::string& dir, Start start, bool lock)
    : created_(outermost_missing(dir)), dir_(create_run_dir(dir)) {
  if (!lock) return;
  const std::string path = run_file(dir, ".lock");
  lock_fd_ = ::open(path.c_str(), O_RDWR | O_CREAT, 0644);
  MT_CHECK(lock_fd_ >= 0, path, ": cannot create the run's lock file: ", std::strerror(errno));
  if (::flock(lock_fd_, LOCK_EX | LOCK_NB) != 0) {
    char pid[32] = {};
    [[maybe_unused]] const ssize_t got = ::pread(lock_fd_, pid, sizeof(pid) - 1, 0);
    ::close(lock_fd_);
    throw Error(str(dir, ": in use by another minitrans process (pid ", std::strtol(pid, nullptr, 10),
                    "); wait for it to end, or give another train.run_dir"));
  }
  // The pid, for the refusal of a second process; the lock holds without it (a refusal then says 0).
  const std::string me = std::to_string(::getpid()) + "\n";
  const bool written = ::ftruncate(lock_fd_, 0) == 0 && ::pwrite(lock_fd_, me.data(), me.size(), 0) > 0;
  (void)written;
  if (start == Start::kResume) return;
  const std::optional<RunStatus> existing = run_status(dir);
  if (existing && start == Start::kNew) {
    ::close(lock_fd_);
    lock_fd_ = -1;
    throw Error(str(dir, ": holds a run (", existing->finished ? "finished" : "stopped", " at step ", existing->step,
                    "); continue it with 'minitrans train --resume ", dir, "', give another train.run_dir, or add ",
                    "--overwrite to replace it"));
  }
  if (existing) {
    for (const fs::directory_entry& e : fs::directory_iterator(dir)) {
      if (is_run_file(e.path().filename().string())) fs::remove(e.path());
    }
  }
}

RunDirectory::~RunDirectory() {
  if (lock_fd_ >= 0) ::close(lock_fd_);
  if (created_.empty()) return;
  std::error_code error;  // best effort: a destructor does not throw
  std::filesystem::path p = absolute_dir(dir_, error);
  const auto holds_only_lock = [&] {
    for (const auto& entry : std::filesystem::directory_iterator(p, error)) {
      if (entry.path().filename() != ".lock") return false;
    }
    return !error;
  };
  if (error || !holds_only_lock()) return;
  std::filesystem::remove(p / ".lock", error);
  for (; std::filesystem::remove(p, error) && p.string() != created_; p = p.parent_path()) {
  }
}

}  // namespace mt
