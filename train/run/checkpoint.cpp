// Run directories; see checkpoint.h.
#include "train/run/checkpoint.h"

#include <charconv>
#include <filesystem>

#include "autograd/check.h"
#include "train/run/build.h"
#include "train/run/safetensors.h"
#include "train/run/tokenizers.h"

namespace mt {

std::string run_file(const std::string& run_dir, const std::string& name) {
  return (std::filesystem::path(run_dir) / name).string();
}

const std::string& create_run_dir(const std::string& dir) {
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  MT_CHECK(!error && std::filesystem::is_directory(dir), dir, ": cannot create the run directory: ", error.message());
  return dir;
}

namespace {
// The shortest text that reads back to exactly `v` ("inf" for the infinity of no validation yet).
std::string exact_text(double v) {
  char text[64];
  return std::string(text, std::to_chars(text, text + sizeof(text), v).ptr);
}

std::string optimizer_file(const std::string& run_dir, int64_t step) {
  return run_file(run_dir, "optimizer-" + std::to_string(step) + ".safetensors");
}
}  // namespace

// The optimizer state goes to a file named by its step, then model.safetensors is replaced: that
// rename is the commit. A crash before it leaves the previous pair intact (its optimizer file is
// only deleted after the commit), so the last good checkpoint always loads.
void save_checkpoint(const std::string& run_dir, const nn::Transformer& model, const Optimizer& optimizer,
                     const WeightAverage* average, const TrainingState& s) {
  const Metadata meta = {{"step", std::to_string(s.step)},
                         {"epoch", std::to_string(s.epoch)},
                         {"batch_in_epoch", std::to_string(s.batch_in_epoch)},
                         {"random_seed", std::to_string(s.random_seed)},
                         {"random_counter", std::to_string(s.random_counter)},
                         {"best_valid_loss", exact_text(s.best_valid_loss)},
                         {"best_valid_bleu", exact_text(s.best_valid_bleu)},
                         {"best_valid_chrf", exact_text(s.best_valid_chrf)},
                         {"bad_validations", std::to_string(s.bad_validations)},
                         {"skipped_steps", std::to_string(s.skipped_steps)},
                         {"optimizer_steps", std::to_string(optimizer.steps())}};
  const std::string current = optimizer_file(run_dir, s.step);
  nn::NamedTensors state = optimizer.state();
  if (average) {
    for (auto& entry : average->state()) state.push_back(std::move(entry));
  }
  save_safetensors(current, state, meta);
  save_weights(model, run_file(run_dir, "model.safetensors"), {{"step", std::to_string(s.step)}});
  for (const auto& entry : std::filesystem::directory_iterator(run_dir)) {  // superseded states
    const std::string name = entry.path().filename().string();
    if (name.rfind("optimizer-", 0) == 0 && entry.path().string() != current) {
      std::error_code ignored;
      std::filesystem::remove(entry.path(), ignored);
    }
  }
}

TrainingState load_checkpoint(const std::string& run_dir, nn::Transformer& model, Optimizer& optimizer,
                              WeightAverage* average) {
  const std::string model_path = run_file(run_dir, "model.safetensors");
  Metadata meta, model_meta;
  const auto weights = load_safetensors(model_path, &model_meta);
  int64_t committed = -1;
  try {
    committed = std::stoll(model_meta.at("step"));
  } catch (const std::exception&) {
    throw Error(str(model_path, ": no step in the metadata; not a checkpoint written by minitrans train"));
  }
  const std::string opt_path = optimizer_file(run_dir, committed);
  auto opt_state = load_safetensors(opt_path, &meta);
  std::map<std::string, Tensor> averaged;  // the weight average's entries, "ema.*"
  for (auto it = opt_state.begin(); it != opt_state.end();) {
    if (it->first.rfind("ema.", 0) == 0) {
      averaged.insert(*it);
      it = opt_state.erase(it);
    } else {
      ++it;
    }
  }
  auto get = [&](const char* key) {
    auto it = meta.find(key);
    MT_CHECK(it != meta.end(), opt_path, ": metadata '", key, "' is missing");
    return it->second;
  };
  TrainingState s;
  try {
    s.step = std::stoll(get("step"));
    s.epoch = std::stoll(get("epoch"));
    s.batch_in_epoch = std::stoll(get("batch_in_epoch"));
    s.random_seed = std::stoull(get("random_seed"));
    s.random_counter = std::stoull(get("random_counter"));
    s.best_valid_loss = std::stod(get("best_valid_loss"));
    s.bad_validations = std::stoll(get("bad_validations"));
    if (meta.count("best_valid_bleu")) s.best_valid_bleu = std::stod(meta.at("best_valid_bleu"));  // absent before 0.1.0
    if (meta.count("best_valid_chrf")) s.best_valid_chrf = std::stod(meta.at("best_valid_chrf"));
    s.skipped_steps = std::stoll(get("skipped_steps"));
  } catch (const std::logic_error&) {
    throw Error(str(opt_path, ": unreadable training state in the metadata"));
  }
  MT_CHECK(model_meta.count("step") && model_meta.at("step") == get("step"), model_path, " (step ",
           model_meta.count("step") ? model_meta.at("step") : "?", ") and ", opt_path, " (step ", get("step"),
           ") come from different steps");
  try {
    model.load_state_dict(weights);
  } catch (const Error& e) {
    throw Error(str(model_path, ": ", e.what()));
  }
  try {
    optimizer.load_state(opt_state, std::stoll(get("optimizer_steps")));
    if (average) average->load_state(averaged);
  } catch (const Error& e) {
    throw Error(str(opt_path, ": ", e.what()));
  }
  return s;
}

LoadedModel load_for_inference(const std::string& run_dir) {
  MT_CHECK(std::filesystem::is_directory(run_dir), run_dir, ": not a run directory");
  LoadedModel loaded;
  loaded.config = load_config(run_file(run_dir, "config.ini"));
  load_tokenizers(loaded.config, run_dir, loaded.codec);
  loaded.codec.src_vocab = data::Vocab::load(run_file(run_dir, "src_vocab.txt"));
  loaded.codec.tgt_vocab = data::Vocab::load(run_file(run_dir, "tgt_vocab.txt"));
  loaded.model = std::make_unique<nn::Transformer>(
      model_options(loaded.config, loaded.codec.src_vocab.size(), loaded.codec.tgt_vocab.size()));
  const std::string best = run_file(run_dir, "best_model.safetensors");
  const std::string weights = std::filesystem::exists(best) ? best : run_file(run_dir, "model.safetensors");
  load_weights(*loaded.model, weights);
  loaded.model->eval();
  return loaded;
}

}  // namespace mt
