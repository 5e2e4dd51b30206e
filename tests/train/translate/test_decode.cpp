// Tests of nn/decoding and train/decode: incremental decoding gives the same logits as running
// the full decoder, beam 1 equals greedy, beams find at least as likely outputs, order is kept,
// hypotheses carry their log-probabilities, n-best lists are sorted, length limits hold.
#include <cmath>

#include "autograd/grad_mode.h"
#include "data/vocab.h"
#include "nn/transformer.h"
#include "tests/reference.h"
#include "train/translate/decode.h"

using namespace mt;
using namespace mt::testing;

namespace {
nn::Transformer tiny_model(bool pre_ln) {
  manual_seed(61);
  return nn::Transformer({.src_vocab = 12, .tgt_vocab = 10,
                          .layer = {.d_model = 16, .heads = 2, .ff_dim = 24, .dropout = 0.1f, .norm_first = pre_ln},
                          .encoder_layers = 2, .decoder_layers = 2, .max_positions = 32});
}

// Log-probability of `out` under the model (teacher forcing, evaluation mode), followed by
// <eos> unless `ended` is false (an output cut at the length limit).
double sequence_logprob(nn::Transformer& model, const std::vector<int32_t>& src, const std::vector<int32_t>& out,
                        bool ended = true) {
  NoGradGuard no_grad;
  model.eval();
  std::vector<int32_t> in{data::Vocab::kBos};
  in.insert(in.end(), out.begin(), out.end());
  const Tensor logp = log_softmax(model.forward(IntTensor(src, {1, (int64_t)src.size()}),
                                                IntTensor(in, {1, (int64_t)in.size()})));
  std::vector<int32_t> gold = out;
  gold.push_back(data::Vocab::kEos);
  const std::vector<float> lp = logp.to_vector();
  double total = 0;
  for (size_t t = 0; t < (ended ? gold.size() : out.size()); ++t) total += lp[t * 10 + gold[t]];
  model.train();
  return total;
}

std::vector<std::vector<int32_t>> best_tokens(const std::vector<NBest>& lists) {
  std::vector<std::vector<int32_t>> out;
  for (const NBest& list : lists) out.push_back(list.front().tokens);
  return out;
}
}  // namespace

TEST_CASE("decoding: cached step-by-step logits equal the full decoder's, post-LN and pre-LN") {
  for (bool pre : {false, true}) {
    nn::Transformer model = tiny_model(pre);
    model.eval();
    NoGradGuard no_grad;
    const IntTensor src({4, 5, 6, 7, 0, 8, 9, 0, 0, 0}, {2, 5});
    const IntTensor tgt({2, 4, 5, 6, 2, 7, 8, 9}, {2, 4});
    const Tensor full = model.forward(src, tgt);  // [2, 4, 10]
    nn::DecoderCache cache = model.start_decoding(model.encode(src), src, 8);
    for (int64_t t = 0; t < 4; ++t) {
      const Tensor step = model.decode_step({tgt.values[t], tgt.values[4 + t]}, cache);  // [2, 10]
      check_close(step, reshape(slice(full, 1, t, t + 1), {2, 10}), 1e-5, 1e-5);
    }
  }
}

TEST_CASE("decoding: beam 1 is greedy search") {
  nn::Transformer model = tiny_model(false);
  const std::vector<std::vector<int32_t>> sources = {{4, 5, 6}, {7, 8}, {9, 10, 11, 4, 5}, {6}};
  const auto greedy = translate(model, sources, {.beam = 1, .max_len_b = 12});
  const IntTensor batch({4, 5, 6, 0, 0, 7, 8, 0, 0, 0, 9, 10, 11, 4, 5, 6, 0, 0, 0, 0}, {4, 5});
  const std::vector<NBest> beam = beam_search(model, batch, {.beam = 1, .max_len_b = 12});
  const std::vector<NBest> search = greedy_search(model, batch, {.max_len_b = 12});
  CHECK(best_tokens(beam) == best_tokens(search));
  CHECK(best_tokens(search) == greedy);
  for (size_t i = 0; i < beam.size(); ++i) {
    CHECK(beam[i].front().log_prob == doctest::Approx(search[i].front().log_prob).epsilon(1e-6));
    CHECK(beam[i].front().score == doctest::Approx(search[i].front().score).epsilon(1e-6));
  }
  CHECK(model.is_training());  // decoding restores the mode
}

TEST_CASE("decoding: a beam wide enough to keep every hypothesis finds the exact best output") {
  // Every output of at most 3 tokens of the 7 words: 57 that end with <eos> within 3 steps, 343
  // cut at the limit.
  nn::Transformer model = tiny_model(false);
  const std::vector<int32_t> src = {4, 9, 6};
  double best = -1e30;
  std::vector<int32_t> best_out;
  auto consider = [&](const std::vector<int32_t>& out, bool ended) {
    const double lp = sequence_logprob(model, src, out, ended);
    if (lp > best) best = lp, best_out = out;
  };
  std::vector<int32_t> words;
  for (int32_t w = 0; w < 10; ++w) {  // decoding never outputs <pad> or <bos>
    if (w != data::Vocab::kEos && w != data::Vocab::kPad && w != data::Vocab::kBos) words.push_back(w);
  }
  consider({}, true);
  for (int32_t a : words) {
    consider({a}, true);
    for (int32_t b : words) {
      consider({a, b}, true);
      for (int32_t c : words) consider({a, b, c}, false);
    }
  }
  const auto beam = beam_search(model, IntTensor(src, {1, 3}), {.beam = 1000, .length_penalty = 0.0f, .max_len_b = 3});
  const Hypothesis& found = beam[0].front();
  CHECK(found.tokens == best_out);
  CHECK(found.ended == (found.tokens.size() < 3));
  CHECK(sequence_logprob(model, src, found.tokens, found.ended) == doctest::Approx(best).epsilon(1e-6));
  CHECK(found.log_prob == doctest::Approx(best).epsilon(1e-5));  // with length_penalty 0 the score is it too
  CHECK(found.score == doctest::Approx(best).epsilon(1e-5));
}

TEST_CASE("decoding: outputs keep input order, empty sources give empty outputs") {
  nn::Transformer model = tiny_model(true);
  const std::vector<std::vector<int32_t>> sources = {{4, 5, 6, 7, 8, 9}, {}, {4}, {5, 6}};
  const auto together = translate(model, sources, {.beam = 2, .max_len_b = 10, .max_tokens = 8});
  REQUIRE(together.size() == 4);
  CHECK(together[1].empty());
  for (size_t i : {0, 2, 3}) {
    CHECK(together[i] == translate(model, {sources[i]}, {.beam = 2, .max_len_b = 10})[0]);
  }
}

TEST_CASE("decoding: an n-best list is sorted by score, its first is the 1-best, each log-probability is the model's") {
  nn::Transformer model = tiny_model(false);
  const std::vector<std::vector<int32_t>> sources = {{4, 5, 6}, {7, 8, 9, 10}, {11}};
  const std::vector<NBest> lists = translate_hypotheses(model, sources, {.beam = 4, .n_best = 4, .max_len_b = 8});
  const auto best = translate(model, sources, {.beam = 4, .max_len_b = 8});
  for (size_t i = 0; i < sources.size(); ++i) {
    REQUIRE(lists[i].size() == 4);
    CHECK(lists[i].front().tokens == best[i]);
    for (size_t j = 0; j < lists[i].size(); ++j) {
      const Hypothesis& h = lists[i][j];
      if (j > 0) CHECK(h.score <= lists[i][j - 1].score);
      CHECK(sequence_logprob(model, sources[i], h.tokens, h.ended) == doctest::Approx(h.log_prob).epsilon(1e-5));
      CHECK(h.score == doctest::Approx(h.log_prob / (h.tokens.size() + (h.ended ? 1 : 0))).epsilon(1e-6));
    }
  }
  // Greedy's log-probability is the model's too.
  const NBest greedy = translate_hypotheses(model, {sources[1]}, {.max_len_b = 8})[0];
  CHECK(sequence_logprob(model, sources[1], greedy[0].tokens, greedy[0].ended) ==
        doctest::Approx(greedy[0].log_prob).epsilon(1e-5));
  CHECK_THROWS_WITH_AS(translate_hypotheses(model, sources, {.beam = 2, .n_best = 3}),
                       "decode: n-best 3 must be between 1 and the beam size 2", Error);
}

TEST_CASE("decoding: the output limit is max_len_a x |source| + max_len_b within the positions") {
  CHECK(output_limit({.max_len_a = 0.0f, .max_len_b = 100}, 7, 32) == 32);
  CHECK(output_limit({.max_len_a = 0.0f, .max_len_b = 10}, 7, 32) == 10);
  CHECK(output_limit({.max_len_a = 1.5f, .max_len_b = 2}, 7, 32) == 12);  // floor(10.5) + 2
  CHECK(output_limit({.max_len_a = 0.5f, .max_len_b = 0}, 1, 32) == 1);   // never below one step
  // An untrained model rarely says <eos>: each output runs to its own limit, cut, not ended.
  nn::Transformer model = tiny_model(true);
  const std::vector<std::vector<int32_t>> sources = {{4, 5}, {4, 5, 6, 7, 8, 9, 10, 11}, {6}};
  int64_t cut = 0;
  for (const int64_t beam : {1, 3}) {
    const DecodeOptions o{.beam = beam, .max_len_a = 1.0f, .max_len_b = 1};
    const std::vector<NBest> lists = translate_hypotheses(model, sources, o);
    for (size_t i = 0; i < sources.size(); ++i) {
      const Hypothesis& h = lists[i].front();
      const auto limit = static_cast<size_t>(sources[i].size() + 1);
      CHECK(h.tokens.size() <= limit);
      CHECK(h.ended == (h.tokens.size() < limit));
      cut += h.ended ? 0 : 1;
      // Rows that finish early leave the batch (greedy and beam): the rest decode as they would alone.
      const Hypothesis alone = translate_hypotheses(model, {sources[i]}, o)[0].front();
      CHECK(alone.tokens == h.tokens);
      CHECK(alone.log_prob == doctest::Approx(h.log_prob).epsilon(1e-5));
    }
  }
  CHECK(cut >= 3);  // the limits were reached, and differ by sentence within one batch
}
