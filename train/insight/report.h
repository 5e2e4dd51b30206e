// The run report: one self-contained HTML page per run directory (report.html) with the
// summary and scores, the training curves, the health figures and warnings, sample
// translations at each validation, the attention of one validation sentence, and the config.
// Inline SVG and CSS only: no script, no network access needed to view it. Training writes it
// when it ends; `minitrans report RUN_DIR` writes it again. Read next: ../../tools/browser_check.py.
#pragma once

#include <string>

namespace mt {

/// The report of `run_dir` as HTML.
std::string run_report(const std::string& run_dir);

}  // namespace mt
