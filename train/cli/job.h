// The command as one process of a job: which signals ask a training run to stop, the error line
// and how the process ends. Started alone, SIGINT and SIGTERM stop a run after its step (a
// second one at once) and an error is one line and exit 1. Under mpirun (../distributed/communicator.h)
// mpirun's own way of ending a job counts as the stop request, an error line names its rank,
// and an error on one rank ends them all. Read next: main.cpp.
#pragma once

#include <string>

#include "train/loop/trainer.h"

namespace mt {

/// Installs the stop-request handlers of `minitrans train`.
void watch_stop_signals();
/// Prints the one-line error and returns the exit status (under mpirun: ends the job).
int fail(const std::string& message);
/// When the config's run directory holds a finished run: says so with its test translations and
/// scores (the test split translated again with its best weights) and how to train on or again,
/// and returns true; false when it holds no finished run.
bool report_finished_run(const Config& config, std::ostream& out);
/// The exit status of a finished train(); a run stopped on request under mpirun exits here.
int finish_train(const TrainResult& result);

}  // namespace mt
