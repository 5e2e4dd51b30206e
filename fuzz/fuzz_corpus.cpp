// libFuzzer target: the corpus readers (data/parallel_corpus.cpp): one TSV file, and the same
// bytes as both sides of a two-file corpus.
#include "data/parallel_corpus.h"
#include "fuzz/fuzz_target.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = mt::fuzz::as_file(data, size, ".txt");
  const mt::data::WhitespaceTokenizer words(/*lowercase=*/true);
  mt::fuzz::expect_only_errors([&] { mt::data::tokenize_pairs(mt::data::read_tsv_text(path), words, words); });
  mt::fuzz::expect_only_errors([&] { mt::data::read_parallel_text(path, path); });
  return 0;
}
