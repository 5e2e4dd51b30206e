// The trainer's validations and final test; see trainer.h.
#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "autograd/profiler.h"
#include "data/text.h"
#include "train/loop/trainer.h"
#include "train/run/safetensors.h"
#include "train/translate/evaluate.h"

namespace mt {
using data::fixed;

// The validation: the loss, and translations (greedy) of the whole validation set when they
// choose the best checkpoint, else of its first train.valid_bleu_sentences.
void Trainer::validate() {
  const ProfilePause not_a_training_step;
  const TrainConfig& t = config_.train;
  if (data_.valid().empty()) return;
  const AveragedWeights averaged(average_.get());  // validate, and keep as best, the average
  const double loss = teacher_forced_loss(*model_, data_.codec(), data_.valid(), config_.data.max_tokens);
  const auto valid = static_cast<int64_t>(data_.valid().size());
  const int64_t sentences = t.best_metric == BestMetric::kLoss ? std::min(t.valid_bleu_sentences, valid) : valid;
  double bleu = -1.0, chrf = -1.0;
  if (sentences > 0) {
    const std::vector<data::SentencePair> pairs(data_.valid().begin(), data_.valid().begin() + sentences);
    DecodeOptions decode = test_decoding(config_);
    decode.beam = 1;
    const EvalResult e = translate_and_score(*model_, data_.codec(), pairs, decode);
    bleu = e.bleu.score;
    chrf = e.chrf.score;
    nlohmann::ordered_json samples = nlohmann::ordered_json::array();  // a few translations, for the run report
    for (size_t i = 0; i < std::min<size_t>(3, e.hypotheses.size()); ++i) {
      samples.push_back({{"src", pairs[i].src_text}, {"ref", e.references[i]}, {"hyp", e.hypotheses[i]}});
    }
    write_or_stop([&] { log_->record({{"step", state_.step}, {"samples", samples}}); });
  }
  const bool best = t.best_metric == BestMetric::kBleu ? bleu > state_.best_valid_bleu
                    : t.best_metric == BestMetric::kChrf ? chrf > state_.best_valid_chrf
                                                         : loss < state_.best_valid_loss;
  state_.best_valid_loss = std::min(state_.best_valid_loss, loss);
  state_.best_valid_bleu = std::max(state_.best_valid_bleu, bleu);
  state_.best_valid_chrf = std::max(state_.best_valid_chrf, chrf);
  if (best) {
    state_.bad_validations = 0;
    write_or_stop([&] {
      save_weights(*model_, run_file(dir_, "best_model.safetensors"), {{"step", std::to_string(state_.step)}});
    });
  } else {
    ++state_.bad_validations;
  }
  const std::string decoded = sentences > 0 ? str("  BLEU ", fixed(bleu, 2), "  chrF ", fixed(chrf, 2), " (greedy, ",
                                                  sentences == valid ? str("all ", valid) : str(sentences, " of ", valid), ")")
                                            : std::string();
  log_->line(str("valid  step ", state_.step, "  loss ", fixed(loss, 4), "  ppl ", fixed(std::exp(loss), 2), decoded,
                 best ? str("  (best ", option_name(t.best_metric), ", saved)") : std::string()));
  write_or_stop([&] {
    nlohmann::ordered_json record = {{"step", state_.step}, {"valid_loss", loss}, {"valid_ppl", std::exp(loss)},
                                     {"valid_bleu", bleu}};
    if (sentences > 0) record["valid_chrf"] = chrf;
    record["best"] = best;  // on train.best_metric: saved as best_model.safetensors
    log_->record(record);
  });
  if (t.patience > 0 && state_.bad_validations >= t.patience) {
    log_->line(str("early stop: no better validation ", option_name(t.best_metric), " in ", t.patience, " validations"));
    patience_spent_ = true;
  }
}

void Trainer::test(TrainResult& result) {
  const LoadedModel best = load_for_inference(dir_);
  const DecodeOptions decode = test_decoding(config_);
  const EvalResult r = evaluate(*best.model, best.codec, data_.test(), decode);
  out_ << shown_translations(data_.test(), r, config_.train.show_translations);
  out_ << "test: " << eval_text(r) << "\n";
  result.test_bleu = r.bleu.score;
  result.test_chrf = r.chrf.score;
  result.test_exact_match = r.exact_match;
  write_or_stop([&] {
    log_->record({{"step", state_.step}, {"test_bleu", r.bleu.score}, {"test_chrf", r.chrf.score},
                  {"bleu_signature", r.bleu.signature}, {"test_exact_match", r.exact_match},
                  {"test_loss", r.loss}, {"test_sentences", r.sentences}});
  });
}

}  // namespace mt
