// The commands that use a trained model: translate, eval, score and average. Each takes the
// arguments after its name and returns the exit status; mistakes are mt::Errors (main.cpp
// turns them into one line). Read next: main.cpp.
#pragma once

#include <string>
#include <vector>

namespace mt {

/// minitrans translate: stdin or --input, streamed in maxi-batches (../translate/stream.h).
int run_translate(const std::vector<std::string>& args);
/// minitrans eval: BLEU, chrF, exact match and loss on a test set, as text or JSON.
int run_eval(const std::vector<std::string>& args);
/// minitrans score: each given pair's log-probability (../translate/score.h).
int run_score(const std::vector<std::string>& args);
/// minitrans average: the mean of checkpoints as a run directory (../run/average.h).
int run_average(const std::vector<std::string>& args);

}  // namespace mt
