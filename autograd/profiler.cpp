// The op profiler; see profiler.h.
#include "autograd/profiler.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <utility>
#include <vector>

namespace mt {
namespace {

bool g_on = false;
thread_local bool g_backward = false;
thread_local ProfileScope* g_current = nullptr;
std::map<std::pair<std::string, bool>, std::pair<int64_t, int64_t>> g_table;  // (op, backward) -> (ns, calls)

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

void set_profiling(bool on) {
  if (on) g_table.clear();
  g_on = on;
}

bool profiling() { return g_on; }

ProfilePause::ProfilePause() : previous_(g_on) { g_on = false; }
ProfilePause::~ProfilePause() { g_on = previous_; }

BackwardPhase::BackwardPhase() : previous_(g_backward) { g_backward = true; }
BackwardPhase::~BackwardPhase() { g_backward = previous_; }

ProfileScope::ProfileScope(const char* name) : name_(name) {
  if (!g_on) return;
  parent_ = g_current;
  g_current = this;
  start_ns_ = now_ns();
}

ProfileScope::~ProfileScope() {
  if (start_ns_ < 0) return;
  const int64_t elapsed = now_ns() - start_ns_;
  auto& entry = g_table[{name_, g_backward}];
  entry.first += elapsed - children_ns_;
  entry.second += 1;
  if (parent_) parent_->children_ns_ += elapsed;
  g_current = parent_;
}

std::string profile_report(int64_t steps) {
  std::vector<std::pair<int64_t, std::string>> rows;
  int64_t total = 0;
  for (const auto& [key, value] : g_table) {
    total += value.first;
    char line[160];
    std::snprintf(line, sizeof(line), "  %-22s %-8s %9.2f ms/step %7.1f calls/step", key.first.c_str(),
                  key.second ? "backward" : "forward", value.first / 1e6 / steps, double(value.second) / steps);
    rows.emplace_back(value.first, line);
  }
  std::sort(rows.rbegin(), rows.rend());
  std::string out = "op profile (exclusive time; ops inside a backward are listed under backward):\n";
  for (const auto& [ns, line] : rows) {
    char share[32];
    std::snprintf(share, sizeof(share), " %5.1f%%\n", total ? 100.0 * ns / total : 0.0);
    out += line + share;
  }
  char footer[96];
  std::snprintf(footer, sizeof(footer), "  total in ops %.2f ms/step\n", total / 1e6 / steps);
  return out + footer;
}

}  // namespace mt
