// The commands that look inside a model or a run: attention (heatmaps of one translation),
// explain (every tensor of one sentence pair), plot (the training curves) and report (the run's
// HTML page). Each takes the arguments after its name and returns the exit status; mistakes are
// mt::Errors (main.cpp turns them into one line). Read next: ../insight/explain.h.
#pragma once

#include <string>
#include <vector>

namespace mt {

/// minitrans attention --checkpoint RUN_DIR --src "..." [--out F.svg]
int run_attention(const std::vector<std::string>& args);
/// minitrans explain --checkpoint RUN_DIR | --config F --src "..." --tgt "..."
int run_explain(const std::vector<std::string>& args);
/// minitrans plot RUN_DIR [--out F.svg]
int run_plot(const std::vector<std::string>& args);
/// minitrans report RUN_DIR: RUN_DIR/report.html
int run_report(const std::vector<std::string>& args);

}  // namespace mt
