// Cleaning a training corpus: the pairs that would hurt training are skipped and counted by
// reason, as Moses' clean-corpus and Marian/OpenNMT-py's filters do: a blank side, a side longer
// than data.max_len pieces (the target with its <eos>), or sides whose lengths differ by more
// than a factor of data.max_ratio (counted in pieces, after tokenization; 9 by default, as
// clean-corpus-n.perl). Validation and test sets are never cleaned. Read next: examples.h.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace mt::data {

enum class SkipReason { kEmpty, kLong, kRatio };
inline constexpr size_t kSkipReasons = 3;

/// "empty", "long", "ratio": the reason's name in logs and manifests.
const char* skip_reason_name(SkipReason reason);

struct CleaningOptions {
  int64_t max_len = 100;    // pieces per side, the target's <eos> included
  double max_ratio = 9.0;   // longer side / shorter side, in pieces; 0: no limit
};

/// What the reason means: "an empty side", "a side longer than data.max_len = 100 pieces", "a
/// length ratio above data.max_ratio = 9".
std::string skip_reason_text(SkipReason reason, const CleaningOptions& options);

/// Why a pair of `src` and `tgt` pieces is skipped, or nothing when it is kept.
std::optional<SkipReason> check_pair(int64_t src, int64_t tgt, const CleaningOptions& options);

/// The skipped pairs, counted by reason, with the first few of each kept to show the user where.
struct SkipCounts {
  static constexpr size_t kShown = 5;  // examples kept per reason
  std::array<int64_t, kSkipReasons> count{};
  std::array<std::vector<std::string>, kSkipReasons> shown;  // "FILE:LINE (3 and 41 pieces)"

  void add(SkipReason reason, const std::string& where);
  int64_t total() const;
  /// "12 with an empty side, 3 with a side longer than data.max_len = 100 pieces, ..." or "none"
  std::string summary(const CleaningOptions& options) const;
};

}  // namespace mt::data
