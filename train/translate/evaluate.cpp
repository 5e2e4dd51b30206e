// Evaluation; see evaluate.h.
#include "train/translate/evaluate.h"

#include <cstdio>
#include <nlohmann/json.hpp>

#include <cmath>

#include "autograd/grad_mode.h"
#include "autograd/ops.h"
#include "data/batcher.h"
#include "autograd/check.h"
#include "data/text.h"

namespace mt {

std::vector<std::vector<int32_t>> encode_sources(const nn::Transformer& model, const data::Codec& codec,
                                                 const std::vector<std::string>& sources, int64_t* cut) {
  std::vector<std::vector<int32_t>> ids;
  for (const std::string& text : sources) {
    std::vector<int32_t> s = codec.encode_source(text);
    if (static_cast<int64_t>(s.size()) > model.options.max_positions) {
      s.resize(model.options.max_positions);
      if (cut != nullptr) ++*cut;
    }
    ids.push_back(std::move(s));
  }
  return ids;
}

std::vector<std::string> translate_text(nn::Transformer& model, const data::Codec& codec,
                                        const std::vector<std::string>& sources, const DecodeOptions& options,
                                        int64_t* cut) {
  std::vector<std::string> out;
  for (const auto& hyp : translate(model, encode_sources(model, codec, sources, cut), options)) {
    out.push_back(codec.decode_target(hyp));
  }
  return out;
}

double teacher_forced_loss(nn::Transformer& model, const data::Codec& codec,
                           const std::vector<data::SentencePair>& pairs, int64_t max_tokens) {
  const nn::EvalMode eval(model);
  NoGradGuard no_grad;
  const data::Examples examples = data::Examples::in_memory(
      data::encode_pairs(pairs, codec.src_vocab, codec.tgt_vocab, model.options.max_positions - 1, nullptr));
  const data::Batcher batcher(examples, std::max<int64_t>(max_tokens, model.options.max_positions), 0);
  double total = 0.0;
  int64_t tokens = 0;
  for (const auto& indices : batcher.sorted_batches()) {
    const data::Batch batch = data::make_batch(examples, indices);
    const nn::TargetLogits out = model.forward_targets(batch.src, batch.src_layout, batch.tgt_in, batch.tgt_layout, batch.tgt_out);
    const Tensor loss = cross_entropy(out.logits, out.targets, data::Vocab::kPad);
    total += static_cast<double>(loss.item()) * batch.tgt_tokens;
    tokens += batch.tgt_tokens;
  }
  return tokens > 0 ? total / tokens : 0.0;
}

EvalResult evaluate(nn::Transformer& model, const data::Codec& codec, const std::vector<data::SentencePair>& pairs,
                    const DecodeOptions& options, bool translate) {
  const double loss = teacher_forced_loss(model, codec, pairs, options.max_tokens);
  EvalResult r = translate ? translate_and_score(model, codec, pairs, options) : EvalResult{};
  r.sentences = static_cast<int64_t>(pairs.size());
  r.loss = loss;
  r.perplexity = std::exp(loss);
  return r;
}

EvalResult translate_and_score(nn::Transformer& model, const data::Codec& codec,
                               const std::vector<data::SentencePair>& pairs, const DecodeOptions& options) {
  std::vector<std::string> sources;
  for (const auto& p : pairs) sources.push_back(p.src_text);
  return score_translations(pairs, translate_text(model, codec, sources, options));
}

EvalResult score_translations(const std::vector<data::SentencePair>& pairs, std::vector<std::string> hypotheses) {
  MT_CHECK(hypotheses.size() == pairs.size(), "evaluate: ", hypotheses.size(), " translations of ", pairs.size(), " pairs");
  EvalResult r;
  r.sentences = static_cast<int64_t>(pairs.size());
  for (const auto& p : pairs) r.references.push_back(p.tgt_text);
  r.hypotheses = std::move(hypotheses);
  r.bleu = corpus_bleu(r.hypotheses, {r.references});
  r.chrf = corpus_chrf(r.hypotheses, {r.references});
  int64_t exact = 0;
  for (size_t i = 0; i < pairs.size(); ++i) exact += r.hypotheses[i] == r.references[i];
  r.exact_match = pairs.empty() ? 0.0 : static_cast<double>(exact) / pairs.size();
  return r;
}

std::string eval_text(const EvalResult& r) {
  char line[512];
  std::snprintf(line, sizeof(line),
                "sentences %lld  BLEU %.2f (%.1f/%.1f/%.1f/%.1f, BP %.3f, hyp %ld, ref %ld)  %s %.2f  "
                "exact match %.2f%%  loss %.4f  perplexity %.3f",
                (long long)r.sentences, r.bleu.score, r.bleu.precisions[0], r.bleu.precisions[1],
                r.bleu.precisions[2], r.bleu.precisions[3], r.bleu.brevity_penalty, r.bleu.hyp_len, r.bleu.ref_len,
                r.chrf.name.c_str(), r.chrf.score, 100.0 * r.exact_match, r.loss, r.perplexity);
  return str(line, "\nsignatures: BLEU ", r.bleu.signature, "  ", r.chrf.name, " ", r.chrf.signature);
}

std::string eval_json(const EvalResult& r, const std::vector<data::SentencePair>& pairs, int64_t show) {
  nlohmann::ordered_json j = {
      {"sentences", r.sentences}, {"bleu", r.bleu.score},
      {"precisions", {r.bleu.precisions[0], r.bleu.precisions[1], r.bleu.precisions[2], r.bleu.precisions[3]}},
      {"brevity_penalty", r.bleu.brevity_penalty}, {"hyp_len", r.bleu.hyp_len}, {"ref_len", r.bleu.ref_len},
      {"bleu_signature", r.bleu.signature}, {"chrf", r.chrf.score}, {"chrf_signature", r.chrf.signature},
      {"exact_match", r.exact_match}, {"loss", r.loss}, {"perplexity", r.perplexity},
      {"examples", nlohmann::ordered_json::array()}};
  for (int64_t i = 0; i < std::min<int64_t>(show, r.sentences); ++i) {
    j["examples"].push_back({{"src", pairs[i].src_text}, {"ref", r.references[i]}, {"hyp", r.hypotheses[i]}});
  }
  return j.dump();
}

std::string shown_translations(const std::vector<data::SentencePair>& pairs, const EvalResult& r, int64_t n) {
  std::string out;
  for (int64_t i = 0; i < std::min<int64_t>(n, r.sentences); ++i) {
    out += "  src: " + pairs[i].src_text + "\n  ref: " + r.references[i] + "\n  hyp: " + r.hypotheses[i] +
           (r.hypotheses[i] == r.references[i] ? "  (exact)" : "") + "\n";
  }
  return out;
}

}  // namespace mt
