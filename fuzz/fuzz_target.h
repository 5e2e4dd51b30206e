// Shared by the fuzz targets: the fuzzer's bytes as a file the readers open by path, and the
// rule every target checks — bad input may only end in mt::Error; anything else (a crash, a
// sanitizer report, another exception) is a finding.
#pragma once

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <string>

#include "autograd/check.h"

namespace mt::fuzz {

/// Writes the input to a per-process scratch file and returns its path.
inline std::string as_file(const uint8_t* data, size_t size, const char* suffix) {
  static const std::string path = "/tmp/minitrans_fuzz_" + std::to_string(::getpid()) + suffix;
  FILE* f = std::fopen(path.c_str(), "wb");
  if (f) {
    std::fwrite(data, 1, size, f);
    std::fclose(f);
  }
  return path;
}

/// Runs fn; mt::Error is the expected way to reject bad input.
template <typename Fn>
void expect_only_errors(const Fn& fn) {
  try {
    fn();
  } catch (const Error&) {
  }
}

}  // namespace mt::fuzz
