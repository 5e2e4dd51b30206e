// The op profiler: time per op kind, forward and backward, to see where a step's time goes.
// Each op opens an MT_PROFILE("name") scope; the engine marks the backward phase. Times are
// exclusive (an op's own time, not the ops it calls). Off by default: a disabled scope costs
// one flag test. `minitrans bench --profile` and `minitrans train --train.profile=true` print the table.
#pragma once

#include <cstdint>
#include <string>

namespace mt {

/// Turns collection on or off (and clears the table when turning it on).
void set_profiling(bool on);
bool profiling();
/// Stops collecting for its lifetime (keeping the table): work that is not to be counted.
class ProfilePause {
 public:
  ProfilePause();
  ~ProfilePause();

 private:
  bool previous_;
};
/// Marks the engine's backward pass on this thread (ProfilePhase scopes it).
class BackwardPhase {
 public:
  BackwardPhase();
  ~BackwardPhase();

 private:
  bool previous_;
};

/// Times the enclosing scope under `name` while profiling is on.
class ProfileScope {
 public:
  explicit ProfileScope(const char* name);
  ~ProfileScope();
  ProfileScope(const ProfileScope&) = delete;
  ProfileScope& operator=(const ProfileScope&) = delete;

 private:
  const char* name_;
  int64_t start_ns_ = -1;  // -1: not profiling
  int64_t children_ns_ = 0;
  ProfileScope* parent_ = nullptr;
};

/// Floating-point operations done by matrix products since the process started (2·M·N·K per
/// product), for FLOP/s and model-utilization figures.
int64_t matmul_flops();

/// A table of milliseconds per step by op kind and phase, largest first.
std::string profile_report(int64_t steps);

}  // namespace mt

#define MT_PROFILE_CONCAT_(a, b) a##b
#define MT_PROFILE_NAME_(line) MT_PROFILE_CONCAT_(mt_profile_scope_, line)
/// Times the rest of the enclosing scope as op `name` (a string literal).
#define MT_PROFILE(name) ::mt::ProfileScope MT_PROFILE_NAME_(__LINE__)(name)
