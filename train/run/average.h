// Checkpoint averaging, as fairseq's average_checkpoints.py and Marian's script do: the
// element-wise mean of the weights of several checkpoints of one model, accumulated in double.
// train.keep_last keeps the weights of the last N checkpoints as checkpoint-STEP.safetensors
// (the weights validation saw: the exponential moving average when train.ema is on, the raw
// weights otherwise); `minitrans average` writes their mean as a run directory that translates
// like any other. train.snapshot_minutes keeps the same weights every few minutes of training
// as snapshot-STEP.safetensors, for a learning curve in minutes (bench/multi30k.sh).
// Read next: ../translate/decode.h.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace mt {

/// The kept checkpoints of a run directory (checkpoint-STEP.safetensors), oldest first.
std::vector<std::string> kept_checkpoints(const std::string& run_dir);

/// Keeps the `keep` newest of them and removes the rest.
void prune_kept_checkpoints(const std::string& run_dir, int64_t keep);

/// The snapshots of a run directory (snapshot-STEP.safetensors, written every
/// train.snapshot_minutes), oldest first; each averages like a kept checkpoint.
std::vector<std::string> snapshots(const std::string& run_dir);

/// Removes the snapshots of steps after `step` (-1: all): what a resumed run will redo.
void remove_snapshots_after(const std::string& run_dir, int64_t step);

/// What to average: run directories (their last `last` kept checkpoints; 0: all) and
/// checkpoint files inside run directories.
struct AverageInputs {
  std::vector<std::string> paths;
  int64_t last = 0;
};

/// Writes the mean of the checkpoints `inputs` name as the run directory `out` (config,
/// tokenizers, vocabularies and model.safetensors; it must not hold a model yet). Checkpoints
/// of other shapes or from runs with other vocabularies are errors naming both. Returns the
/// files averaged.
std::vector<std::string> average_checkpoints(const AverageInputs& inputs, const std::string& out);

}  // namespace mt
