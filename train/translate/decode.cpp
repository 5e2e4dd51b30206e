// Greedy and beam search; see decode.h.
#include "train/translate/decode.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "autograd/check.h"
#include "autograd/grad_mode.h"
#include "autograd/ops.h"
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

}  // namespace

std::vector<std::vector<int32_t>> greedy_search(nn::Transformer& model, const IntTensor& src,
                                                int64_t max_len) {
  const Inference scope(model);
  max_len = std::min(max_len, model.options.max_len);
  const int64_t b = src.shape[0];
  nn::DecoderCache cache = model.start_decoding(model.encode(src), src, max_len);
  std::vector<std::vector<int32_t>> out(b);
  std::vector<int32_t> last(b, Vocab::kBos);
  std::vector<bool> done(b, false);
  for (int64_t t = 0; t < max_len; ++t) {
    const IntTensor next = argmax(model.decode_step(last, cache), 1);  // [B]
    bool all_done = true;
    for (int64_t i = 0; i < b; ++i) {
      if (done[i]) continue;
      last[i] = next.values[i];
      if (last[i] == Vocab::kEos) done[i] = true;
      else out[i].push_back(last[i]);
      all_done = all_done && done[i];
    }
    if (all_done) break;
  }
  return out;
}

namespace {
struct Hypothesis {
  std::vector<int32_t> tokens;
  float score;  // normalized log-probability
};

}  // namespace

std::vector<std::vector<int32_t>> beam_search(nn::Transformer& model, const IntTensor& src,
                                              const DecodeOptions& o) {
  MT_CHECK(o.beam >= 1, "decode: beam must be >= 1, got ", o.beam);
  const Inference scope(model);
  const int64_t b = src.shape[0], k = o.beam, max_len = std::min(o.max_len, model.options.max_len);
  // Row r = sentence r / k, beam r % k.
  std::vector<int64_t> repeat;
  for (int64_t i = 0; i < b; ++i)
    for (int64_t j = 0; j < k; ++j) repeat.push_back(i);
  const IntTensor src_rows = nn::take_rows(src, repeat);
  nn::DecoderCache cache = model.start_decoding(nn::take_rows(model.encode(src), repeat), src_rows, max_len);

  constexpr float kNone = -std::numeric_limits<float>::infinity();
  std::vector<float> score(b * k, kNone);  // cumulative log-probability of each live beam
  for (int64_t i = 0; i < b; ++i) score[i * k] = 0.0f;  // one live beam to start: no duplicates
  std::vector<std::vector<int32_t>> tokens(b * k);
  std::vector<int32_t> last(b * k, Vocab::kBos);
  std::vector<std::vector<Hypothesis>> finished(b);
  std::vector<bool> done(b, false);
  auto normalized = [&](float s, size_t len) { return s / std::pow(static_cast<float>(len), o.length_penalty); };

  for (int64_t t = 0; t < max_len; ++t) {
    const Tensor logp = log_softmax(model.decode_step(last, cache));  // [B·K, V]
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
        if (word == Vocab::kEos || t + 1 == max_len) {
          // An ending counts only if it ranks among the top k (so beam 1 is exactly greedy).
          if (static_cast<int64_t>(c) < k) {
            std::vector<int32_t> out = tokens[row];
            if (word != Vocab::kEos) out.push_back(word);
            finished[i].push_back({out, normalized(candidates[c].first, out.size() + 1)});
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
  std::vector<std::vector<int32_t>> out(b);
  for (int64_t i = 0; i < b; ++i) {
    if (finished[i].empty()) continue;
    const auto best = std::max_element(finished[i].begin(), finished[i].end(),
                                       [](const Hypothesis& x, const Hypothesis& y) { return x.score < y.score; });
    out[i] = best->tokens;
  }
  return out;
}

std::vector<std::vector<int32_t>> decode_batch(nn::Transformer& model, const IntTensor& src,
                                               const DecodeOptions& options) {
  MT_CHECK(options.beam >= 1, "decode: beam must be >= 1, got ", options.beam);
  MT_CHECK(options.max_len >= 1, "decode: max_len must be >= 1, got ", options.max_len);
  return options.beam == 1 ? greedy_search(model, src, options.max_len) : beam_search(model, src, options);
}

std::vector<std::vector<int32_t>> translate(nn::Transformer& model,
                                            const std::vector<std::vector<int32_t>>& sources,
                                            const DecodeOptions& options) {
  std::vector<std::vector<int32_t>> out(sources.size());
  // Sorted by length, shortest first, and cut into batches of similar lengths (little padding);
  // results go back in input order.
  std::vector<int64_t> order;
  for (size_t i = 0; i < sources.size(); ++i) {
    if (!sources[i].empty()) order.push_back(static_cast<int64_t>(i));
  }
  std::stable_sort(order.begin(), order.end(),
                   [&](int64_t a, int64_t b) { return sources[a].size() < sources[b].size(); });
  for (size_t start = 0; start < order.size();) {
    size_t end = start;
    int64_t longest = 0;
    while (end < order.size()) {
      const int64_t len = std::max<int64_t>(longest, sources[order[end]].size());
      if (end > start && len * static_cast<int64_t>(end - start + 1) * options.beam > options.max_tokens) break;
      longest = len;
      ++end;
    }
    const int64_t b = static_cast<int64_t>(end - start), s = longest;
    IntTensor src(std::vector<int32_t>(b * s, Vocab::kPad), {b, s});
    for (int64_t r = 0; r < b; ++r) {
      const auto& ids = sources[order[start + r]];
      std::copy(ids.begin(), ids.end(), src.values.begin() + r * s);
    }
    const auto results = decode_batch(model, src, options);
    for (int64_t r = 0; r < b; ++r) out[order[start + r]] = results[r];
    start = end;
  }
  return out;
}

}  // namespace mt
