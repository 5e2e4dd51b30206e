// Scoring given translations; see score.h.
#include "train/translate/score.h"

#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>

#include "autograd/check.h"
#include "autograd/grad_mode.h"
#include "autograd/ops.h"
#include "data/batcher.h"

namespace mt {

std::vector<PairScore> score_pairs(nn::Transformer& model, const data::Codec& codec,
                                   const std::vector<data::TextPair>& pairs, int64_t max_tokens) {
  const nn::EvalMode eval(model);
  NoGradGuard no_grad;
  const auto positions = static_cast<size_t>(model.options.max_positions);
  std::vector<PairScore> scores(pairs.size());
  std::vector<data::Example> examples;
  std::vector<int64_t> pair_of;  // the pair of each example
  for (size_t i = 0; i < pairs.size(); ++i) {
    data::Example e{codec.encode_source(pairs[i].src), codec.encode_target(pairs[i].tgt)};
    scores[i].cut = e.src.size() > positions || e.tgt.size() + 1 > positions;  // <bos> + target fill the positions
    e.src.resize(std::min(e.src.size(), positions));
    e.tgt.resize(std::min(e.tgt.size(), positions - 1));
    scores[i].tokens = static_cast<int64_t>(e.tgt.size()) + 1;
    if (e.src.empty()) {
      scores[i].log_prob = e.tgt.empty() ? 0.0 : -std::numeric_limits<double>::infinity();
      continue;
    }
    examples.push_back(std::move(e));
    pair_of.push_back(static_cast<int64_t>(i));
  }
  const data::Examples set = data::Examples::in_memory(examples);
  std::vector<int64_t> cost;
  for (const data::Example& e : examples) cost.push_back(static_cast<int64_t>(std::max(e.src.size(), e.tgt.size() + 1)));
  for (const std::vector<int64_t>& rows : data::length_batches(cost, std::max<int64_t>(max_tokens, model.options.max_positions))) {
    const data::Batch batch = data::make_batch(set, rows);
    const nn::TargetLogits out = model.forward_targets(batch.src, batch.src_layout, batch.tgt_in, batch.tgt_layout, batch.tgt_out);
    const Tensor logp = log_softmax(out.logits);  // [R, V]
    const int64_t v = logp.size(1);
    for (int64_t j = 0; j < out.targets.numel(); ++j) {
      const int32_t target = out.targets.values[j];
      if (target == data::Vocab::kPad) continue;
      const int64_t row = batch.tgt_layout.rows.values[j] / batch.tgt_layout.length;
      scores[pair_of[batch.indices[row]]].log_prob += logp.data()[j * v + target];
    }
  }
  return scores;
}

ScoreCounts score_stream(nn::Transformer& model, const data::Codec& codec, data::PairReader& in, std::ostream& out,
                         int64_t max_tokens, int64_t maxi_batch, bool jsonl) {
  MT_CHECK(maxi_batch >= 1, "score: --maxi-batch must be >= 1, got ", maxi_batch);
  ScoreCounts counts;
  std::vector<data::TextPair> pairs;
  const auto score_batch = [&] {
    const int64_t first = counts.pairs - static_cast<int64_t>(pairs.size());
    std::string text;
    const std::vector<PairScore> scores = score_pairs(model, codec, pairs, max_tokens);
    for (size_t i = 0; i < scores.size(); ++i) {
      const PairScore& s = scores[i];
      counts.cut += s.cut;
      if (jsonl) {
        text += nlohmann::ordered_json{{"line", first + static_cast<int64_t>(i)}, {"log_prob", s.log_prob}, {"mean", s.mean()},
                                       {"tokens", s.tokens}, {"cut", s.cut}}.dump() + "\n";
      } else {
        char line[64];
        std::snprintf(line, sizeof(line), "%.6f\t%.6f\n", s.log_prob, s.mean());
        text += line;
      }
    }
    out << text << std::flush;
    pairs.clear();
  };
  for (data::TextPair pair; in.next(pair);) {
    pairs.push_back(std::move(pair));
    ++counts.pairs;
    if (static_cast<int64_t>(pairs.size()) == maxi_batch) score_batch();
  }
  if (!pairs.empty()) score_batch();
  return counts;
}

}  // namespace mt
