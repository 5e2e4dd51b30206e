// libFuzzer target: the safetensors reader (train/run/safetensors.cpp) on arbitrary bytes.
#include "fuzz/fuzz_target.h"
#include "train/run/safetensors.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = mt::fuzz::as_file(data, size, ".safetensors");
  mt::fuzz::expect_only_errors([&] { mt::load_safetensors(path); });
  return 0;
}
