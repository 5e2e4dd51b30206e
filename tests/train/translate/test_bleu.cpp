// Tests of train/bleu.cpp: the 13a tokenizer, hand-worked corpus BLEU, and the figures the
// sacreBLEU documentation prints for its own example (sacreBLEU itself is not packaged for
// Debian, so its published output is the reference).
#include <cmath>

#include "tests/reference.h"
#include "train/translate/bleu.h"

using namespace mt;
using namespace mt::testing;

TEST_CASE("BLEU: mteval-v13a tokenization") {
  CHECK(tokenize_13a("Hello, world.") == "Hello , world .");
  CHECK(tokenize_13a("It costs $3.50, isn't it?") == "It costs $ 3.50 , isn't it ?");
  CHECK(tokenize_13a("1,000 people (or 2-3)") == "1,000 people ( or 2 - 3 )");
  CHECK(tokenize_13a("a &amp; b &lt;c&gt;") == "a & b < c >");
  CHECK(tokenize_13a("end.") == "end .");
  CHECK(tokenize_13a("U.S.A. x") == "U . S . A . x");  // as Python's re.sub scans: left to right
}

TEST_CASE("BLEU: hand-worked corpus scores") {
  // Identical: 100.
  CHECK(corpus_bleu({"the cat sat on the mat"}, {{"the cat sat on the mat"}}).score == doctest::Approx(100.0));
  // hyp "the cat sat on mat" (5 words) vs ref "the cat sat on the mat" (6): n-gram matches
  // 5/5, 3/4 (the cat, cat sat, sat on), 2/3, 1/2; BP = exp(1 - 6/5).
  const BleuScore s = corpus_bleu({"the cat sat on mat"}, {{"the cat sat on the mat"}});
  CHECK(s.precisions[0] == doctest::Approx(100.0));
  CHECK(s.precisions[1] == doctest::Approx(75.0));
  CHECK(s.precisions[2] == doctest::Approx(200.0 / 3));
  CHECK(s.precisions[3] == doctest::Approx(50.0));
  CHECK(s.brevity_penalty == doctest::Approx(std::exp(1.0 - 6.0 / 5.0)));
  const double expected = std::exp(1.0 - 6.0 / 5.0) * std::pow(1.0 * 0.75 * (2.0 / 3) * 0.5, 0.25) * 100;
  CHECK(s.score == doctest::Approx(expected));
  // Clipping: "the the the" against "the cat": unigram precision 1/3.
  CHECK(corpus_bleu({"the the the"}, {{"the cat"}}).precisions[0] == doctest::Approx(100.0 / 3));
  // No 4-gram match: 'none' gives 0; sacreBLEU's default 'exp' smooths it to 100/(2·total).
  const BleuScore none = corpus_bleu({"a b c d e"}, {{"a b c x e"}}, {.smoothing = BleuSmoothing::kNone});
  CHECK(none.score == 0.0);
  const BleuScore smoothed = corpus_bleu({"a b c d e"}, {{"a b c x e"}});
  CHECK(smoothed.precisions[3] == doctest::Approx(100.0 / (2 * 2)));
  CHECK(smoothed.score > 0.0);
  check_error([] { corpus_bleu({"a"}, {{"a", "b"}}); }, {"BLEU", "1 hypotheses"});
}

TEST_CASE("BLEU: sacreBLEU's documented example, two reference sets") {
  // From sacreBLEU's README: BLEU = 48.53 82.4/50.0/45.5/37.5 (BP = 0.943 ratio = 0.944
  // hyp_len = 17 ref_len = 18), signature nrefs:2|case:mixed|eff:no|tok:13a|smooth:exp.
  const std::vector<std::string> hyps = {"The dog bit the man.", "It wasn't surprising.", "The man had just bitten him."};
  const std::vector<std::vector<std::string>> refs = {
      {"The dog bit the man.", "It was not unexpected.", "The man bit him first."},
      {"The dog had bit the man.", "No one was surprised.", "The man had bitten the dog."}};
  const BleuScore s = corpus_bleu(hyps, refs);
  // The printout's rounded figures are these exact fractions: 14/17 unigrams, 7/14 bigrams, 5/11
  // trigrams, 3/8 4-grams matched; BP = exp(1 - 18/17); BLEU their geometric mean times BP.
  const double p[4] = {100.0 * 14 / 17, 100.0 * 7 / 14, 100.0 * 5 / 11, 100.0 * 3 / 8};
  const double bp = std::exp(1.0 - 18.0 / 17.0);
  for (int n = 0; n < 4; ++n) CHECK(s.precisions[n] == doctest::Approx(p[n]).epsilon(1e-12));
  CHECK(s.brevity_penalty == doctest::Approx(bp).epsilon(1e-12));
  const double expected = bp * std::exp((std::log(p[0]) + std::log(p[1]) + std::log(p[2]) + std::log(p[3])) / 4);
  CHECK(s.score == doctest::Approx(expected).epsilon(1e-12));
  CHECK(std::round(100 * s.score) == 4853);  // as printed: 48.53
  CHECK(s.hyp_len == 17);
  CHECK(s.ref_len == 18);
  CHECK(s.signature == "nrefs:2|case:mixed|eff:no|tok:13a|smooth:exp");
  // sacreBLEU's test_bleu.py: 48.530827 for this corpus with default settings and with
  // smooth_method 'none' (every order has a match); 0.0 for three empty hypotheses.
  CHECK(s.score == doctest::Approx(48.530827).epsilon(1e-8));
  CHECK(corpus_bleu(hyps, refs, {.smoothing = BleuSmoothing::kNone}).score == doctest::Approx(48.530827).epsilon(1e-8));
  CHECK(corpus_bleu({"", "", ""}, refs).score == 0.0);
}

TEST_CASE("BLEU: Unicode whitespace splits as Python's str.split(), lowercasing is an option") {
  const std::vector<std::vector<std::string>> refs = {{"the quick brown fox jumps over the lazy dog"}};
  const double plain = corpus_bleu({"the quick brown fox jumped over the lazy dog"}, refs).score;
  // No-break space, ideographic space, em space and a trailing line separator are whitespace.
  const BleuScore unicode =
      corpus_bleu({"the\u00a0quick brown\u3000fox jumped\u2003over the lazy dog\u2028"}, refs);
  CHECK(unicode.score == plain);
  CHECK(unicode.hyp_len == 9);
  // A zero-width space is not whitespace: "quick\u200bbrown" is one word that matches nothing.
  CHECK(corpus_bleu({"the quick\u200bbrown fox jumped over the lazy dog"}, refs).hyp_len == 8);
  const BleuScore cased = corpus_bleu({"The Quick Brown Fox jumps over the lazy dog"}, refs);
  const BleuScore lower = corpus_bleu({"The Quick Brown Fox jumps over the lazy dog"}, refs, {.lowercase = true});
  CHECK(cased.score < 60.0);
  CHECK(lower.score == doctest::Approx(100.0));
  CHECK(lower.signature == "nrefs:1|case:lc|eff:no|tok:13a|smooth:exp");
}
