// Checkpoint averaging; see average.h.
#include "train/run/average.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "autograd/check.h"
#include "data/atomic_file.h"
#include "train/run/checkpoint.h"
#include "train/run/safetensors.h"
#include "train/run/tokenizers.h"

namespace mt {
namespace fs = std::filesystem;
namespace {

constexpr const char* kSuffix = ".safetensors";

// The step of a file name PREFIX-STEP.safetensors, or -1.
int64_t step_in_name(const std::string& name, const std::string& prefix) {
  const size_t suffix = std::char_traits<char>::length(kSuffix);
  if (name.size() <= prefix.size() + suffix || name.rfind(prefix, 0) != 0 ||
      name.substr(name.size() - suffix) != kSuffix) {
    return -1;
  }
  const std::string digits = name.substr(prefix.size(), name.size() - prefix.size() - suffix);
  if (!std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) return -1;
  return std::stoll(digits);
}

// The files PREFIX-STEP.safetensors of a run directory, by step.
std::vector<std::pair<int64_t, std::string>> files_by_step(const std::string& run_dir, const std::string& prefix) {
  std::vector<std::pair<int64_t, std::string>> found;
  for (const auto& entry : fs::directory_iterator(run_dir)) {
    const int64_t step = step_in_name(entry.path().filename().string(), prefix);
    if (step >= 0) found.emplace_back(step, entry.path().string());
  }
  std::sort(found.begin(), found.end());
  return found;
}

// Their paths alone, by step.
std::vector<std::string> paths_by_step(const std::string& run_dir, const std::string& prefix) {
  std::vector<std::string> paths;
  for (auto& [step, path] : files_by_step(run_dir, prefix)) paths.push_back(std::move(path));
  return paths;
}

std::string file_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The run directory a checkpoint belongs to, and the files whose contents must agree between
// runs for their checkpoints to be averaged.
std::string run_of(const std::string& file) { return fs::path(file).parent_path().string(); }
const std::vector<std::string> kModelDefining = {"src_vocab.txt", "tgt_vocab.txt", "spm.model", "src.spm.model",
                                                 "tgt.spm.model"};

std::vector<std::string> checkpoint_files(const AverageInputs& inputs) {
  MT_CHECK(!inputs.paths.empty(), "average: give run directories or checkpoint files");
  MT_CHECK(inputs.last >= 0, "average: --last must be >= 0, got ", inputs.last);
  std::vector<std::string> files;
  for (const std::string& path : inputs.paths) {
    if (!fs::is_directory(path)) {
      MT_CHECK(fs::is_regular_file(path), path, ": no such checkpoint file or run directory");
      files.push_back(path);
      continue;
    }
    std::vector<std::string> kept = kept_checkpoints(path);
    MT_CHECK(!kept.empty(), path, ": no kept checkpoints (checkpoint-STEP.safetensors; train with train.keep_last = N)");
    if (inputs.last > 0 && static_cast<int64_t>(kept.size()) > inputs.last) kept.erase(kept.begin(), kept.end() - inputs.last);
    files.insert(files.end(), kept.begin(), kept.end());
  }
  return files;
}

}  // namespace

std::vector<std::string> kept_checkpoints(const std::string& run_dir) { return paths_by_step(run_dir, "checkpoint-"); }

std::vector<std::string> snapshots(const std::string& run_dir) { return paths_by_step(run_dir, "snapshot-"); }

void remove_snapshots_after(const std::string& run_dir, int64_t step) {
  for (const auto& [snapshot_step, file] : files_by_step(run_dir, "snapshot-")) {
    std::error_code ignored;
    if (snapshot_step > step) fs::remove(file, ignored);
  }
}

void prune_kept_checkpoints(const std::string& run_dir, int64_t keep) {
  const std::vector<std::string> kept = kept_checkpoints(run_dir);
  for (size_t i = 0; i + keep < kept.size(); ++i) {
    std::error_code ignored;
    fs::remove(kept[i], ignored);
  }
}

std::vector<std::string> average_checkpoints(const AverageInputs& inputs, const std::string& out) {
  const std::vector<std::string> files = checkpoint_files(inputs);
  const std::string first_run = run_of(files.front());
  LoadedModel model = load_for_inference(first_run);  // the config, tokenizers and the shape
  for (const std::string& file : files) {
    for (const std::string& name : kModelDefining) {
      const fs::path a = fs::path(first_run) / name, b = fs::path(run_of(file)) / name;
      MT_CHECK(fs::exists(a) == fs::exists(b) && (!fs::exists(a) || file_text(a) == file_text(b)), file,
               ": its run's ", name, " differs from ", first_run, "'s: averaging needs checkpoints of one model");
    }
  }
  MT_CHECK(!fs::exists(run_file(out, "model.safetensors")) && !fs::exists(run_file(out, "best_model.safetensors")), out,
           ": already holds a model; give a new directory to --out");
  const nn::NamedTensors shape = model.model->state_dict();
  std::map<std::string, std::vector<double>> sum;
  for (const auto& [name, t] : shape) sum[name].assign(t.numel(), 0.0);
  for (const std::string& file : files) {
    const std::map<std::string, Tensor> weights = load_safetensors(file);
    MT_CHECK(weights.size() == shape.size(), file, ": ", weights.size(), " tensors, ", files.front(), " has ",
             shape.size(), ": averaging needs checkpoints of one model");
    for (const auto& [name, t] : shape) {
      const auto it = weights.find(name);
      MT_CHECK(it != weights.end(), file, ": no tensor '", name, "': averaging needs checkpoints of one model");
      MT_CHECK(it->second.shape() == t.shape(), file, ": '", name, "' is ", it->second.shape(), ", ", files.front(),
               " has ", t.shape(), ": averaging needs checkpoints of one model shape");
      const Tensor values = it->second.contiguous();
      std::vector<double>& total = sum[name];
      for (int64_t i = 0; i < values.numel(); ++i) total[i] += values.data()[i];
    }
  }
  std::map<std::string, Tensor> mean;
  for (const auto& [name, t] : shape) {
    std::vector<float> values(t.numel());
    for (size_t i = 0; i < values.size(); ++i) values[i] = static_cast<float>(sum[name][i] / static_cast<double>(files.size()));
    mean[name] = from_values(std::move(values), t.shape());
  }
  model.model->load_state_dict(mean);
  create_run_dir(out);
  write_file_atomically(run_file(out, "config.ini"), to_ini(model.config));
  save_codec(model.config, model.codec, out);
  std::string names;
  for (const std::string& file : files) names += (names.empty() ? "" : ", ") + file;
  save_weights(*model.model, run_file(out, "model.safetensors"), {{"averaged", names}});
  return files;
}

}  // namespace mt
