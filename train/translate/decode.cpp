// Greedy and beam search; see decode.h.
#include "train/translate/decode.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

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

constexpr float kNone = -std::numeric_limits<float>::infinity();  // a dead beam's score

// The beams of a batch: k rows a sentence, row g·k + j the j-th beam of the sentence in group g.
struct Beams {
  std::vector<float> score;                  // cumulative log-probability of each row (kNone: dead)
  std::vector<std::vector<int32_t>> tokens;  // each row's output so far
  std::vector<int64_t> parent;               // the row of the step before that each row continues
  explicit Beams(size_t rows) : score(rows, kNone), tokens(rows), parent(rows) {}
};

// One sentence's step: the best 2k continuations of its k beams (rows first .. first + k of
// `now` and of logp [·, v]); an ending (<eos>, or any word at the length limit) that ranks among
// the top k is finished, the others fill the sentence's rows of `next` in order. Returns how
// many beams live on.
int64_t extend(const Beams& now, int64_t first, int64_t k, const float* lp, int64_t v, bool at_limit,
               float length_penalty, NBest& finished, Beams& next) {
  std::vector<std::pair<float, int64_t>> candidates;  // (score, row·V + token)
  for (int64_t row = first; row < first + k; ++row) {
    if (now.score[row] == kNone) continue;
    for (int64_t w = 0; w < v; ++w) candidates.push_back({now.score[row] + lp[row * v + w], row * v + w});
  }
  const size_t keep = std::min<size_t>(2 * k, candidates.size());
  std::partial_sort(candidates.begin(), candidates.begin() + keep, candidates.end(),
                    [](const auto& x, const auto& y) { return x.first > y.first || (x.first == y.first && x.second < y.second); });
  int64_t live = 0;
  for (size_t c = 0; c < keep && live < k; ++c) {
    const int64_t row = candidates[c].second / v;
    const auto word = static_cast<int32_t>(candidates[c].second % v);
    if (word == Vocab::kEos || at_limit) {
      if (static_cast<int64_t>(c) < k) {  // so beam 1 is exactly greedy
        Hypothesis h{.tokens = now.tokens[row], .log_prob = candidates[c].first, .ended = word == Vocab::kEos};
        if (!h.ended) h.tokens.push_back(word);
        h.score = normalized(h.log_prob, h.tokens.size(), h.ended, length_penalty);
        finished.push_back(std::move(h));
      }
      continue;
    }
    const int64_t slot = first + live++;
    next.parent[slot] = row;
    next.tokens[slot] = now.tokens[row];
    next.tokens[slot].push_back(word);
    next.score[slot] = candidates[c].first;
  }
  return live;
}

// The rows of `beams` in the groups `groups` (of k rows each), in that order.
Beams keep_groups(Beams& beams, const std::vector<int64_t>& groups, int64_t k) {
  Beams kept(groups.size() * k);
  for (size_t n = 0; n < groups.size(); ++n) {
    for (int64_t j = 0; j < k; ++j) {
      const int64_t from = groups[n] * k + j, to = static_cast<int64_t>(n) * k + j;
      kept.score[to] = beams.score[from];
      kept.tokens[to] = std::move(beams.tokens[from]);
      kept.parent[to] = beams.parent[from];
    }
  }
  return kept;
}

}  // namespace

int64_t output_limit(const DecodeOptions& o, int64_t source_len, int64_t positions) {
  const double limit = std::floor(static_cast<double>(o.max_len_a) * static_cast<double>(source_len)) +
                       static_cast<double>(o.max_len_b);
  return std::clamp<int64_t>(static_cast<int64_t>(std::min(limit, 1e15)), 1, positions);
}

// The rows of the cache are the sentences still decoding: when a quarter of them have finished,
// they are dropped (their caches copied out), so a few long outputs do not keep a whole batch busy.
std::vector<NBest> greedy_search(nn::Transformer& model, const IntTensor& src, const DecodeOptions& o) {
  const Inference scope(model);
  const int64_t b = src.shape[0];
  const std::vector<int64_t> limit = output_limits(src, o, model.options.max_positions);
  const int64_t steps = *std::max_element(limit.begin(), limit.end());
  nn::DecoderCache cache = model.start_decoding(model.encode(src), src, steps);
  std::vector<Hypothesis> out(b);
  std::vector<int64_t> sentence(b);  // the sentence of each row of the cache
  std::iota(sentence.begin(), sentence.end(), 0);
  std::vector<int32_t> last(b, Vocab::kBos);
  std::vector<bool> done(b, false);
  for (int64_t t = 0; t < steps; ++t) {
    const Tensor logp = next_token_log_probs(model.decode_step(last, cache));  // [N, V]
    const IntTensor next = argmax(logp, 1);                                    // [N]
    const float* lp = logp.data();
    std::vector<int64_t> live;  // rows whose sentence goes on
    for (size_t r = 0; r < sentence.size(); ++r) {
      const int64_t i = sentence[r];
      if (done[i]) continue;
      last[r] = next.values[r];
      out[i].log_prob += lp[r * logp.size(1) + last[r]];
      if (last[r] == Vocab::kEos) {
        done[i] = true;
      } else {
        out[i].tokens.push_back(last[r]);
        if (t + 1 == limit[i]) {  // cut at the limit
          done[i] = true;
          out[i].ended = false;
        } else {
          live.push_back(static_cast<int64_t>(r));
        }
      }
    }
    if (live.empty()) break;
    if (4 * live.size() <= 3 * sentence.size()) {
      cache.select_rows(live);
      std::vector<int64_t> kept_sentence;
      std::vector<int32_t> kept_last;
      for (const int64_t r : live) {
        kept_sentence.push_back(sentence[r]);
        kept_last.push_back(last[r]);
      }
      sentence = std::move(kept_sentence);
      last = std::move(kept_last);
    }
  }
  std::vector<NBest> lists(b);
  for (int64_t i = 0; i < b; ++i) {
    out[i].score = normalized(out[i].log_prob, out[i].tokens.size(), out[i].ended, o.length_penalty);
    lists[i] = {std::move(out[i])};
  }
  return lists;
}

// Sentences whose search has ended keep their rows busy with something harmless until a
// quarter of the groups have ended; then those rows are dropped, as in greedy search.
std::vector<NBest> beam_search(nn::Transformer& model, const IntTensor& src, const DecodeOptions& o) {
  MT_CHECK(o.beam >= 1, "decode: beam must be >= 1, got ", o.beam);
  const Inference scope(model);
  const int64_t b = src.shape[0], k = o.beam;
  const std::vector<int64_t> limit = output_limits(src, o, model.options.max_positions);
  const int64_t steps = *std::max_element(limit.begin(), limit.end());
  std::vector<int64_t> repeat;  // row r: sentence r / k, beam r % k
  for (int64_t i = 0; i < b; ++i)
    for (int64_t j = 0; j < k; ++j) repeat.push_back(i);
  const IntTensor src_rows = nn::take_rows(src, repeat);
  nn::DecoderCache cache = model.start_decoding(nn::take_rows(model.encode(src), repeat), src_rows, steps);

  std::vector<int64_t> sentence(b);  // the sentence of each group of k rows
  std::iota(sentence.begin(), sentence.end(), 0);
  Beams beams(b * k);
  for (int64_t i = 0; i < b; ++i) beams.score[i * k] = 0.0f;  // one live beam to start: no duplicates
  std::vector<int32_t> last(b * k, Vocab::kBos);
  std::vector<NBest> finished(b);
  std::vector<bool> done(b, false);
  for (int64_t t = 0; t < steps; ++t) {
    const Tensor logp = next_token_log_probs(model.decode_step(last, cache));  // [G·K, V]
    const auto groups = static_cast<int64_t>(sentence.size());
    Beams next(groups * k);
    std::vector<int64_t> going;  // groups whose sentence goes on
    for (int64_t g = 0; g < groups; ++g) {
      const int64_t i = sentence[g];
      for (int64_t j = 0; j < k; ++j) next.parent[g * k + j] = g * k;  // dead rows, ended sentences
      if (done[i]) continue;
      const int64_t live = extend(beams, g * k, k, logp.data(), logp.size(1), t + 1 == limit[i], o.length_penalty,
                                  finished[i], next);
      done[i] = static_cast<int64_t>(finished[i].size()) >= k || live == 0;
      if (!done[i]) going.push_back(g);
    }
    if (going.empty()) break;
    if (4 * static_cast<int64_t>(going.size()) <= 3 * groups) {
      next = keep_groups(next, going, k);
      std::vector<int64_t> kept;
      for (const int64_t g : going) kept.push_back(sentence[g]);
      sentence = std::move(kept);
    }
    cache.select_rows(next.parent);
    beams = std::move(next);
    last.resize(beams.tokens.size());
    for (size_t r = 0; r < last.size(); ++r) last[r] = beams.tokens[r].empty() ? Vocab::kEos : beams.tokens[r].back();
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
