// libFuzzer target: corpora read straight from gzip (data/corpus_file.cpp through
// data/parallel_corpus.cpp): the bytes as a .gz file, read as lines and as both sides of a
// two-file corpus. Corrupt, truncated or non-gzip bytes must end in an mt::Error, never a crash.
#include "data/corpus_file.h"
#include "data/parallel_corpus.h"
#include "fuzz/fuzz_target.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = mt::fuzz::as_file(data, size, ".gz");
  mt::fuzz::expect_only_errors([&] { mt::data::read_lines(path); });
  mt::fuzz::expect_only_errors([&] { mt::data::read_parallel_text(path, path); });
  return 0;
}
