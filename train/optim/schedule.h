// Learning-rate schedules, as a function of the update number (1 for the first step()):
//   constant:      lr
//   noam:          lr · min(k / warmup, sqrt(warmup / k))  — inverse square root after a linear
//                  warmup, peaking at lr when k = warmup. "Attention Is All You Need"'s
//                  factor·D^-0.5·min(k^-0.5, k·warmup^-1.5) is this with lr = factor/sqrt(D·warmup).
//   linear:        linear warmup to lr, then a linear decay that reaches 0 at update total + 1
//   cosine:        linear warmup to lr, then half a cosine that reaches 0 at update total + 1
// (the update after the last one: update `total`, the last, still learns).
// Without a total (a run bounded by train.time_limit), linear and cosine take as their last update
// the one the time budget will allow at the pace so far: k / spent, where spent is the share of
// the budget the k updates used (re-estimated at every update, so the rate reaches 0 as the budget
// ends, whatever the machine's speed). Such a run's learning rates follow the clock, so it is not
// repeatable bit for bit.
// Read next: ../run/safetensors.h.
#pragma once

#include <cstdint>
#include <string>

namespace mt {

enum class ScheduleKind { kConstant, kNoam, kLinear, kCosine };

struct Schedule {
  ScheduleKind kind = ScheduleKind::kConstant;
  float lr = 1e-3f;
  int64_t warmup = 0;  // updates of linear warmup (noam needs >= 1)
  int64_t total = 0;   // the last update, for linear and cosine decay; 0: decay over the time budget

  /// The learning rate for update k (k >= 1), with `spent` of the time budget used (0 at its start,
  /// 1 at its end; read only by linear and cosine without a total).
  float at(int64_t k, double spent = 0.0) const;

 private:
  float decayed(int64_t k, double last) const;  // warmup, then the decay to 0 at update last + 1
};

/// Parses "constant", "noam", "linear" or "cosine"; throws mt::Error listing the valid names.
ScheduleKind parse_schedule_kind(const std::string& name);

}  // namespace mt
