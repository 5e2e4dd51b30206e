// libFuzzer target: the config parser (train/run/config.cpp) on an arbitrary INI file.
#include "fuzz/fuzz_target.h"
#include "train/run/config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = mt::fuzz::as_file(data, size, ".ini");
  mt::fuzz::expect_only_errors([&] { mt::load_config(path); });
  return 0;
}
