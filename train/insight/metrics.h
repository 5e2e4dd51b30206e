// Reading metrics.jsonl, the run's record: one JSON object per line, each with a "step" and
// some of: loss, lr, tokens_per_s (training), valid_loss, valid_bleu (validation), samples
// (translations at a validation), health (health.h), test_bleu and test_exact_match (the end).
// Read by the pictures (plots.h) and the run report (report.h).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace mt {

/// Every record of a metrics file, in order. A line that is not a JSON object with a numeric
/// "step" is an error naming the file and line, except the last: a run stopped while writing it
/// leaves it partial, and it is skipped with a warning on stderr.
std::vector<nlohmann::json> read_metrics(const std::string& path);

}  // namespace mt
