// Tests of train/translate/chrf.cpp against the figures of sacreBLEU's own test suite
// (test/test_chrf.py: corpus and sentence scores with eps smoothing, with effective order, and
// with whitespace kept; sacreBLEU is not packaged for Debian, so its published figures are the
// reference), plus hand-worked counts, chrF++ word n-grams and Unicode whitespace.
#include "tests/reference.h"
#include "train/translate/chrf.h"

using namespace mt;
using namespace mt::testing;

namespace {

double chrf(const std::vector<std::string>& hyps, const std::vector<std::string>& refs, const ChrfOptions& o) {
  return corpus_chrf(hyps, {refs}, o).score;
}

}  // namespace

TEST_CASE("chrF: sacreBLEU's test cases, eps smoothing, beta 3") {
  const ChrfOptions o{.beta = 3, .eps_smoothing = true};
  CHECK(chrf({"abcdefg"}, {"hijklmnop"}, o) == doctest::Approx(0.0).epsilon(1e-4));
  CHECK(chrf({"a"}, {"b"}, o) == doctest::Approx(0.0).epsilon(1e-4));
  CHECK(chrf({""}, {"reference"}, o) == doctest::Approx(0.0).epsilon(1e-4));
  CHECK(chrf({"aa"}, {"ab"}, o) == doctest::Approx(8.3333).epsilon(1e-4));
  CHECK(chrf({"a", "b"}, {"a", "c"}, o) == doctest::Approx(8.3333).epsilon(1e-4));
  CHECK(chrf({"a"}, {"a"}, o) == doctest::Approx(16.6667).epsilon(1e-4));
  CHECK(chrf({"a b c"}, {"a b c"}, o) == doctest::Approx(50.0).epsilon(1e-4));
  CHECK(chrf({"a b c"}, {"abc"}, o) == doctest::Approx(50.0).epsilon(1e-4));
  CHECK(chrf({" risk assessment must be made of those who are qualified and expertise in the sector - these are the "
              "scientists ."},
             {"risk assessment has to be undertaken by those who are qualified and expert in that area - that is the "
              "scientists ."},
             o) == doctest::Approx(63.361730).epsilon(1e-6));
  CHECK(chrf({" Die    Beziehung zwischen  Obama und Netanjahu ist nicht gerade  freundlich. "},
             {"Das Verhältnis zwischen Obama und Netanyahu ist nicht gerade freundschaftlich."},
             o) == doctest::Approx(64.1302698).epsilon(1e-6));
  CHECK(chrf({"Niemand hat die Absicht, eine Mauer zu errichten"}, {"Niemand hat die Absicht, eine Mauer zu errichten"},
             o) == doctest::Approx(100.0));
}

TEST_CASE("chrF: sacreBLEU's test cases, effective order (its default), beta 3") {
  const ChrfOptions o{.beta = 3};
  CHECK(chrf({"a"}, {"a"}, o) == doctest::Approx(100.0));
  CHECK(chrf({""}, {"reference"}, o) == 0.0);
  CHECK(chrf({"a b c"}, {"a b c"}, o) == doctest::Approx(100.0));
  CHECK(chrf({"a b c"}, {"abc"}, o) == doctest::Approx(100.0));
  CHECK(chrf({""}, {"c"}, o) == 0.0);
  CHECK(chrf({"a", "b"}, {"a", "c"}, o) == doctest::Approx(50.0));
  CHECK(chrf({"aa"}, {"ab"}, o) == doctest::Approx(25.0));
}

TEST_CASE("chrF: sacreBLEU's test cases with whitespace kept, and its sentence-level figures") {
  const ChrfOptions keep{.beta = 3, .whitespace = true};
  CHECK(chrf({"Die Beziehung zwischen Obama und Netanjahu ist nicht gerade freundlich."},
             {"Das Verhältnis zwischen Obama und Netanyahu ist nicht gerade freundschaftlich."},
             keep) == doctest::Approx(67.3481606).epsilon(1e-6));
  CHECK(chrf({"risk assessment must be made of those who are qualified and expertise in the sector - these are the "
              "scientists ."},
             {"risk assessment has to be undertaken by those who are qualified and expert in that area - that is the "
              "scientists ."},
             keep) == doctest::Approx(65.2414427).epsilon(1e-6));
  // sentence_chrf with eps smoothing and the default beta 2 (Czech, with diacritics).
  const ChrfOptions sentence{.eps_smoothing = true};
  CHECK(chrf({"Co nás nejvíc trápí, protože lékaři si vybírají, kdo bude žít a kdo zemře."},
             {"Nejvíce smutní jsme z toho, že musíme rozhodovat o tom, kdo bude žít a kdo zemře."},
             sentence) == doctest::Approx(39.14078509).epsilon(1e-6));
  CHECK(chrf({"Nebo prostě nemají vybavení, které by jim pomohlo, uvedli lékaři."},
             {"A někdy nemáme ani potřebný materiál, abychom jim pomohli, popsali lékaři."},
             sentence) == doctest::Approx(31.22557079).epsilon(1e-6));
  CHECK(chrf({"Lapali po dechu, jejich životy skončily dřív, než skutečně začaly."},
             {"Lapali po dechu a pak jejich život skončil - dřív, než skutečně mohl začít, připomněli."},
             sentence) == doctest::Approx(57.15704367).epsilon(1e-6));
}

TEST_CASE("chrF: hand-worked counts, chrF++ words, Unicode whitespace, signatures") {
  // "ab" against "abc", orders 1-2: unigrams 2/2 matched of 3 in the reference, bigrams 1/1 of 2.
  // Effective order: P = (1 + 1)/2 = 1, R = (2/3 + 1/2)/2 = 7/12; F2 = 5·P·R / (4·P + R).
  const double r = 7.0 / 12;
  CHECK(chrf({"ab"}, {"abc"}, {.char_order = 2}) == doctest::Approx(100.0 * 5 * r / (4 + r)).epsilon(1e-12));
  // Characters are code points: "é" is one character, not two bytes.
  CHECK(chrf({"é"}, {"é"}, {.char_order = 2}) == doctest::Approx(100.0));
  CHECK(chrf({"é"}, {"e\u0301"}, {.char_order = 1}) == 0.0);  // composed and decomposed differ, as in Python
  // chrF++ (word order 2): "cat." is split into "cat" and "." before word n-grams.
  const ChrfOptions plus{.word_order = 2};
  CHECK(chrf({"the cat."}, {"the cat ."}, plus) == doctest::Approx(100.0));
  CHECK(chrf({"the cat"}, {"the cat."}, plus) < chrf({"the cat"}, {"the cat."}, {}));
  // No-break and ideographic spaces are removed like ASCII spaces.
  CHECK(chrf({"a\u00a0b\u3000c"}, {"abc"}, {}) == chrf({"a b c"}, {"abc"}, {}));
  CHECK(chrf({"a\u200bb"}, {"ab"}, {}) < 100.0);  // a zero-width space is a character
  // Lowercasing.
  CHECK(chrf({"ÄBC"}, {"äbc"}, {.lowercase = true}) == doctest::Approx(100.0));
  CHECK(chrf({"ÄBC"}, {"äbc"}, {}) == 0.0);
  // Signatures as sacreBLEU prints them, and names.
  const ChrfScore s = corpus_chrf({"a"}, {{"a"}});
  CHECK(s.name == "chrF2");
  CHECK(s.signature == "nrefs:1|case:mixed|eff:yes|nc:6|nw:0|space:no");
  const ChrfScore pp = corpus_chrf({"a"}, {{"a"}, {"b"}}, plus);
  CHECK(pp.name == "chrF2++");
  CHECK(pp.signature == "nrefs:2|case:mixed|eff:yes|nc:6|nw:2|space:no");
  // Several references: each sentence counts the one it matches best.
  CHECK(corpus_chrf({"abc"}, {{"xyz"}, {"abc"}}).score == doctest::Approx(100.0));
  check_error([] { corpus_chrf({"a"}, {{"a", "b"}}); }, {"chrF", "1 hypotheses"});
}
