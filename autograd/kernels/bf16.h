// bfloat16: the top 16 bits of an fp32 number (its sign, its 8-bit exponent, 7 bits of its
// mantissa). A float becomes the nearest bf16, ties to even, as oneDNN and PyTorch round.
#pragma once

#include <cstdint>
#include <cstring>

namespace mt {

/// The bf16 nearest to x (ties to even); a NaN stays a (quiet) NaN, infinities stay infinite.
inline uint16_t to_bf16(float x) {
  uint32_t bits;
  std::memcpy(&bits, &x, sizeof bits);
  if ((bits & 0x7FFFFFFFu) > 0x7F800000u) return static_cast<uint16_t>((bits >> 16) | 0x40u);
  bits += 0x7FFFu + ((bits >> 16) & 1u);  // round half to even at bit 16
  return static_cast<uint16_t>(bits >> 16);
}

/// The float a bf16 stands for (exact).
inline float from_bf16(uint16_t h) {
  const uint32_t bits = static_cast<uint32_t>(h) << 16;
  float x;
  std::memcpy(&x, &bits, sizeof x);
  return x;
}

/// x rounded to the nearest bf16 and back: the value a bf16 product sees.
inline float round_to_bf16(float x) { return from_bf16(to_bf16(x)); }

}  // namespace mt
