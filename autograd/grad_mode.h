// Grad mode: whether ops record themselves on the tape. NoGradGuard turns recording off for a
// scope (inference, optimizer updates, and the engine while it runs backward functions).
#pragma once

namespace mt {

/// True unless a NoGradGuard is alive on this thread.
bool grad_enabled();

/// Disables tape recording on this thread until it goes out of scope.
class NoGradGuard {
 public:
  NoGradGuard();
  ~NoGradGuard();
  NoGradGuard(const NoGradGuard&) = delete;
  NoGradGuard& operator=(const NoGradGuard&) = delete;

 private:
  bool previous_;
};

}  // namespace mt
