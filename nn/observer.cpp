// Observers; see observer.h.
#include "nn/observer.h"

#include "nn/module.h"

namespace mt::nn {
namespace {
thread_local Observer* t_observer = nullptr;
}  // namespace

Observer* current_observer() { return t_observer; }

ObserverScope::ObserverScope(Observer& observer) : previous_(t_observer) { t_observer = &observer; }
ObserverScope::~ObserverScope() { t_observer = previous_; }

Tensor Module::observed(const Tensor& value, const char* what) const {
  observe(*this, what, value);
  return value;
}

ModulePaths::ModulePaths(const Module& root) {
  for (const auto& [path, module] : root.named_modules()) paths_.emplace_back(module, path);
}

std::string ModulePaths::of(const Module& m, const std::string& what) const {
  for (const auto& [module, path] : paths_) {
    if (module == &m) return path.empty() ? what : what.empty() ? path : path + "." + what;
  }
  return what.empty() ? "?" : "?." + what;
}

}  // namespace mt::nn
