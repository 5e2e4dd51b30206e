// Learning-rate schedules; see schedule.h.
#include "train/optim/schedule.h"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "autograd/check.h"

namespace mt {

float Schedule::at(int64_t k) const {
  MT_CHECK(k >= 1, "schedule: update number must be >= 1, got ", k);
  const double step = static_cast<double>(k), warm = static_cast<double>(warmup);
  switch (kind) {
    case ScheduleKind::kConstant:
      return lr;
    case ScheduleKind::kNoam:
      MT_CHECK(warmup >= 1, "schedule: noam needs warmup >= 1");
      return static_cast<float>(lr * std::min(step / warm, std::sqrt(warm / step)));
    case ScheduleKind::kLinear:
    case ScheduleKind::kCosine: {
      MT_CHECK(total > warmup, "schedule: total (", total, ") must exceed warmup (", warmup, ")");
      if (k <= warmup) return static_cast<float>(lr * step / warm);
      // The decay would reach 0 at update total + 1, the one after the last: the last update still learns.
      const double progress = std::min(1.0, (step - warm) / (static_cast<double>(total) + 1.0 - warm));
      const double factor = kind == ScheduleKind::kLinear ? 1.0 - progress
                                                          : 0.5 * (1.0 + std::cos(std::numbers::pi * progress));
      return static_cast<float>(lr * factor);
    }
  }
  return lr;
}

ScheduleKind parse_schedule_kind(const std::string& name) {
  if (name == "constant") return ScheduleKind::kConstant;
  if (name == "noam") return ScheduleKind::kNoam;
  if (name == "linear") return ScheduleKind::kLinear;
  if (name == "cosine") return ScheduleKind::kCosine;
  throw Error(str("unknown schedule '", name, "' (expected constant, noam, linear or cosine)"));
}

}  // namespace mt
