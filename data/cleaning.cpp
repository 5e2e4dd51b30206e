// Cleaning a training corpus; see cleaning.h.
#include "data/cleaning.h"

#include <algorithm>
#include <charconv>

#include "autograd/check.h"

namespace mt::data {

const char* skip_reason_name(SkipReason reason) {
  switch (reason) {
    case SkipReason::kEmpty: return "empty";
    case SkipReason::kLong: return "long";
    case SkipReason::kRatio: return "ratio";
  }
  return "?";
}

std::string skip_reason_text(SkipReason reason, const CleaningOptions& o) {
  char ratio[32];
  const auto end = std::to_chars(ratio, ratio + sizeof(ratio), o.max_ratio).ptr;  // shortest: 9, not 9.000000
  switch (reason) {
    case SkipReason::kEmpty: return "an empty side";
    case SkipReason::kLong: return str("a side longer than data.max_len = ", o.max_len, " pieces");
    case SkipReason::kRatio: return str("a length ratio above data.max_ratio = ", std::string(ratio, end));
  }
  return "?";
}

std::optional<SkipReason> check_pair(int64_t src, int64_t tgt, const CleaningOptions& o) {
  if (src == 0 || tgt == 0) return SkipReason::kEmpty;
  if (src > o.max_len || tgt + 1 > o.max_len) return SkipReason::kLong;
  if (o.max_ratio > 0.0 && static_cast<double>(std::max(src, tgt)) > o.max_ratio * static_cast<double>(std::min(src, tgt))) {
    return SkipReason::kRatio;
  }
  return std::nullopt;
}

void SkipCounts::add(SkipReason reason, const std::string& where) {
  const auto r = static_cast<size_t>(reason);
  ++count[r];
  if (shown[r].size() < kShown) shown[r].push_back(where);
}

int64_t SkipCounts::total() const {
  int64_t sum = 0;
  for (int64_t c : count) sum += c;
  return sum;
}

std::string SkipCounts::summary(const CleaningOptions& o) const {
  std::string text;
  for (size_t r = 0; r < kSkipReasons; ++r) {
    if (count[r] == 0) continue;
    text += str(text.empty() ? "" : ", ", count[r], " with ", skip_reason_text(static_cast<SkipReason>(r), o));
  }
  return text.empty() ? "none" : text;
}

}  // namespace mt::data
