// libFuzzer target: the vocabulary loader (data/vocab.cpp), then encoding and decoding with
// what it accepted.
#include "data/vocab.h"
#include "fuzz/fuzz_target.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = mt::fuzz::as_file(data, size, ".vocab");
  mt::fuzz::expect_only_errors([&] {
    const mt::data::Vocab vocab = mt::data::Vocab::load(path);
    const std::vector<int32_t> ids = vocab.encode({"a", vocab.token(static_cast<int32_t>(vocab.size() - 1))});
    vocab.decode(ids);
  });
  return 0;
}
