// Learning-rate schedules; see schedule.h.
#include "train/optim/schedule.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>

#include "autograd/check.h"

namespace mt {
namespace {

// 1 at progress 0, 0 at progress 1: a straight line or half a cosine.
double decay(ScheduleKind kind, double progress) {
  return kind == ScheduleKind::kLinear ? 1.0 - progress : 0.5 * (1.0 + std::cos(std::numbers::pi * progress));
}

}  // namespace

float Schedule::decayed(int64_t k, double last) const {
  const double step = static_cast<double>(k), warm = static_cast<double>(warmup);
  if (k <= warmup) return static_cast<float>(lr * step / warm);
  // The decay would reach 0 at update last + 1, the one after the last: the last update still learns.
  const double progress = std::min(1.0, (step - warm) / (last + 1.0 - warm));
  return static_cast<float>(lr * decay(kind, progress));
}

float Schedule::at(int64_t k, double spent) const {
  MT_CHECK(k >= 1, "schedule: update number must be >= 1, got ", k);
  const double step = static_cast<double>(k), warm = static_cast<double>(warmup);
  switch (kind) {
    case ScheduleKind::kConstant:
      return lr;
    case ScheduleKind::kNoam:
      MT_CHECK(warmup >= 1, "schedule: noam needs warmup >= 1");
      return static_cast<float>(lr * std::min(step / warm, std::sqrt(warm / step)));
    case ScheduleKind::kLinear:
    case ScheduleKind::kCosine:
      if (total > 0) {
        MT_CHECK(total > warmup, "schedule: total (", total, ") must exceed warmup (", warmup, ")");
        return decayed(k, static_cast<double>(total));
      }
      // The last update the time budget allows, at the pace so far: k updates took `spent` of it.
      MT_CHECK(spent >= 0.0, "schedule: the share of the time budget spent must be >= 0, got ", spent);
      return decayed(k, spent > 0.0 ? step / std::min(1.0, spent) : std::numeric_limits<double>::infinity());
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
