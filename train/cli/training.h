// The training commands: train (a new run, or --resume DIR) and prepare (the training set alone).
// Each takes the arguments after its name and returns the exit status; mistakes are mt::Errors
// (main.cpp turns them into one line). Read next: inference.h.
#pragma once

#include <string>
#include <vector>

namespace mt {

/// minitrans train --config FILE [--section.key=value ...] | --resume RUN_DIR [...]
int run_train(const std::vector<std::string>& args);
/// minitrans prepare --config FILE [--verify]: the prepared training set (../run/prepared_set.h).
int run_prepare(const std::vector<std::string>& args);

}  // namespace mt
