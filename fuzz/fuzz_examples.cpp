// libFuzzer target: the prepared set's examples file (data/example_file.cpp): opening it (size,
// header and index checks) and the full verification, which reads every id.
#include "data/example_file.h"
#include "fuzz/fuzz_target.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = mt::fuzz::as_file(data, size, ".bin");
  mt::fuzz::expect_only_errors([&] {
    const mt::data::Examples examples = mt::data::open_example_file(path);
    for (int64_t i = 0; i < examples.size(); ++i) {  // every pair's ids are readable
      (void)examples.src(i);
      (void)examples.tgt(i);
    }
  });
  mt::fuzz::expect_only_errors([&] { mt::data::verify_example_file(path, 50, 50); });
  return 0;
}
