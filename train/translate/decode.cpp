// Greedy and beam search; see decode.h.
#include "train/translate/decode.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "autograd/check.h"
#include "autograd/grad_mode.h"
#include "autograd/ops.h"
#include "data/batcher.h"
#include "data/vocab.h"

namespace mt {
namespace {

using data::Vocab;

// The model in evaluation mode, without gradients, for the scope.
struct Inference {
  explicit Inference(nn::Transformer& model) : eval(model) {}
  nn::EvalMode eval;
  NoGradGuard no_grad;
};

// The length limit of each row of src [B, S] (its tokens are the non-<pad> ones).
std::vector<int64_t> output_limits(const IntTensor& src, const DecodeOptions& o, int64_t positions) {
  const int64_t b = src.shape[0], s = src.shape[1];
  std::vector<int64_t> limits(b);
  for (int64_t i = 0; i < b; ++i) {
    const auto row = src.values.begin() + i * s;
    limits[i] = output_limit(o, s - std::count(row, row + s, Vocab::kPad), positions);
  }
  return limits;
}

// The next-token log-probabilities of the rows of `logits` [N, V], with <pad> and <bos> ruled
// out (-inf), as fairseq does: an output never holds them (teacher forcing would read a <pad>
// as padding). An untrained model does rank them high.
Tensor next_token_log_probs(const Tensor& logits) {
  Tensor logp = log_softmax(logits);
  const int64_t n = logp.size(0), v = logp.size(1);
  float* lp = logp.data();
  for (int64_t r = 0; r < n; ++r) lp[r * v + Vocab::kPad] = lp[r * v + Vocab::kBos] = -std::numeric_limits<float>::infinity();
  return logp;
}

// log_prob normalized by length^length_penalty; the length counts <eos> when the output ended.
double normalized(double log_prob, size_t tokens, bool ended, float length_penalty) {
  return log_prob / std::pow(static_cast<double>(tokens + (ended ? 1 : 0)), length_penalty);
}

}  // namespace

int64_t output_limit(const DecodeOptions& o, int64_t source_len, int64_t positions) {
  const double limit = std::floor(static_cast<double>(o.max_len_a) * static_cast<double>(source_len)) +
                       static_cast<double>(o.max_len_b);
  return std::clamp<int64_t>(static_cast<int64_t>(std::min(limit, 1e15)), 1, positions);
}

std::vector<NBest> greedy_search(nn::Transformer& model, const IntTensor& src, const DecodeOptions& o) {
  const Inference scope(model);
  const int64_t b = src.shape[0];
  const std::vector<int64_t> limit = output_limits(src, o, model.options.max_len);
  const int64_t steps = *std::max_element(limit.begin(), limit.end());
  nn::DecoderCache cache = model.start_decoding(model.encode(src), src, steps);
  std::vector<Hypothesis> out(b);
  std::vector<int32_t> last(b, Vocab::kBos);
  std::vector<bool> done(b, false);
  for (int64_t t = 0; t < steps; ++t) {
    const Tensor logp = next_token_log_probs(model.decode_step(last, cache));  // [B, V]
    const IntTensor next = argmax(logp, 1);                           // [B]
    const float* lp = logp.data();
    bool all_done = true;
    for (int64_t i = 0; i < b; ++i) {
      if (done[i]) continue;
      last[i] = next.values[i];
      out[i].log_prob += lp[i * logp.size(1) + last[i]];
      if (last[i] == Vocab::kEos) {
        done[i] = true;
      } else {
        out[i].tokens.push_back(last[i]);
        if (t + 1 == limit[i]) done[i] = true, out[i].ended = false;  // cut at the limit
      }
      all_done = all_done && done[i];
    }
    if (all_done) break;
  }
  std::vector<NBest> lists(b);
  for (int64_t i = 0; i < b; ++i) {
    out[i].score = normalized(out[i].log_prob, out[i].tokens.size(), out[i].ended, o.length_penalty);
    lists[i] = {std::move(out[i])};
  }
  return lists;
}

std::vector<NBest> beam_search(nn::Transformer& model, const IntTensor& src, const DecodeOptions& o) {
  MT_CHECK(o.beam >= 1, "decode: beam must be >= 1, got ", o.beam);
  const Inference scope(model);
  const int64_t b = src.shape[0], k = o.beam;
  const std::vector<int64_t> limit = output_limits(src, o, model.options.max_len);
  const int64_t steps = *std::max_element(limit.begin(), limit.end());
  // Row r = sentence r / k, beam r % k.
  std::vector<int64_t> repeat;
  for (int64_t i = 0; i < b; ++i)
    for (int64_t j = 0; j < k; ++j) repeat.push_back(i);
  const IntTensor src_rows = nn::take_rows(src, repeat);
  nn::DecoderCache cache = model.start_decoding(nn::take_rows(model.encode(src), repeat), src_rows, steps);

  constexpr float kNone = -std::numeric_limits<float>::infinity();
  std::vector<float> score(b * k, kNone);  // cumulative log-probability of each live beam
  for (int64_t i = 0; i < b; ++i) score[i * k] = 0.0f;  // one live beam to start: no duplicates
  std::vector<std::vector<int32_t>> tokens(b * k);
  std::vector<int32_t> last(b * k, Vocab::kBos);
  std::vector<NBest> finished(b);
  std::vector<bool> done(b, false);

  for (int64_t t = 0; t < steps; ++t) {
    const Tensor logp = next_token_log_probs(model.decode_step(last, cache));  // [B·K, V]
    const int64_t v = logp.size(1);
    const float* lp = logp.data();
    std::vector<int64_t> parents(b * k);
    std::vector<std::vector<int32_t>> next_tokens(b * k);
    std::vector<float> next_score(b * k, kNone);
    for (int64_t i = 0; i < b; ++i) {
      if (done[i]) {  // keep the rows busy with something harmless
        for (int64_t j = 0; j < k; ++j) parents[i * k + j] = i * k;
        continue;
      }
      // The best 2k continuations of this sentence's beams.
      std::vector<std::pair<float, int64_t>> candidates;  // (score, row·V + token)
      for (int64_t j = 0; j < k; ++j) {
        const int64_t row = i * k + j;
        if (score[row] == kNone) continue;
        for (int64_t w = 0; w < v; ++w) candidates.push_back({score[row] + lp[row * v + w], row * v + w});
      }
      const size_t keep = std::min<size_t>(2 * k, candidates.size());
      std::partial_sort(candidates.begin(), candidates.begin() + keep, candidates.end(),
                        [](const auto& x, const auto& y) { return x.first > y.first || (x.first == y.first && x.second < y.second); });
      int64_t live = 0;
      for (size_t c = 0; c < keep && live < k; ++c) {
        const int64_t row = candidates[c].second / v;
        const int32_t word = static_cast<int32_t>(candidates[c].second % v);
        if (word == Vocab::kEos || t + 1 == limit[i]) {
          // An ending counts only if it ranks among the top k (so beam 1 is exactly greedy).
          if (static_cast<int64_t>(c) < k) {
            Hypothesis h{.tokens = tokens[row], .log_prob = candidates[c].first, .ended = word == Vocab::kEos};
            if (!h.ended) h.tokens.push_back(word);
            h.score = normalized(h.log_prob, h.tokens.size(), h.ended, o.length_penalty);
            finished[i].push_back(std::move(h));
          }
          continue;
        }
        const int64_t slot = i * k + live++;
        parents[slot] = row;
        next_tokens[slot] = tokens[row];
        next_tokens[slot].push_back(word);
        next_score[slot] = candidates[c].first;
      }
      for (int64_t j = live; j < k; ++j) parents[i * k + j] = i * k;  // dead rows
      if (static_cast<int64_t>(finished[i].size()) >= k || live == 0) done[i] = true;
    }
    if (std::all_of(done.begin(), done.end(), [](bool d) { return d; })) break;
    cache.select_rows(parents);
    tokens = std::move(next_tokens);
    score = std::move(next_score);
    for (int64_t r = 0; r < b * k; ++r) last[r] = tokens[r].empty() ? Vocab::kEos : tokens[r].back();
  }
  for (NBest& list : finished) {  // best first; among equal scores the one found first
    std::stable_sort(list.begin(), list.end(), [](const Hypothesis& x, const Hypothesis& y) { return x.score > y.score; });
    if (static_cast<int64_t>(list.size()) > o.n_best) list.resize(o.n_best);
  }
  return finished;
}

std::vector<NBest> decode_batch(nn::Transformer& model, const IntTensor& src, const DecodeOptions& options) {
  MT_CHECK(options.beam >= 1, "decode: beam must be >= 1, got ", options.beam);
  MT_CHECK(options.n_best >= 1 && options.n_best <= options.beam, "decode: n-best ", options.n_best,
           " must be between 1 and the beam size ", options.beam);
  MT_CHECK(options.max_len_a >= 0.0f && options.max_len_b >= 0 && (options.max_len_a > 0.0f || options.max_len_b >= 1),
           "decode: the length limit ", options.max_len_a, " x |source| + ", options.max_len_b, " allows no output");
  return options.beam == 1 ? greedy_search(model, src, options) : beam_search(model, src, options);
}

std::vector<NBest> translate_hypotheses(nn::Transformer& model, const std::vector<std::vector<int32_t>>& sources,
                                        const DecodeOptions& options) {
  std::vector<NBest> out(sources.size(), NBest{Hypothesis{}});  // an empty source: one empty output
  std::vector<int64_t> lengths;
  for (const auto& s : sources) lengths.push_back(static_cast<int64_t>(s.size()) * options.beam);
  for (const std::vector<int64_t>& rows : data::length_batches(lengths, options.max_tokens)) {
    int64_t longest = 0;
    for (int64_t i : rows) longest = std::max<int64_t>(longest, sources[i].size());
    const int64_t b = static_cast<int64_t>(rows.size());
    IntTensor src(std::vector<int32_t>(b * longest, Vocab::kPad), {b, longest});
    for (int64_t r = 0; r < b; ++r) std::copy(sources[rows[r]].begin(), sources[rows[r]].end(), src.values.begin() + r * longest);
    std::vector<NBest> results = decode_batch(model, src, options);
    for (int64_t r = 0; r < b; ++r) out[rows[r]] = std::move(results[r]);
  }
  return out;
}

std::vector<std::vector<int32_t>> translate(nn::Transformer& model, const std::vector<std::vector<int32_t>>& sources,
                                            const DecodeOptions& options) {
  std::vector<std::vector<int32_t>> out;
  for (NBest& list : translate_hypotheses(model, sources, options)) out.push_back(std::move(list.front().tokens));
  return out;
}

}  // namespace mt
