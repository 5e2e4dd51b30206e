// The global random generator: counter-based (SplitMix64 of seed and counter), so a parallel
// kernel can take a block of counters and draw the same numbers whatever the thread split.
// manual_seed(s) makes every run that follows reproducible. Read next: ops/dropout.cpp.
#pragma once

#include <cstdint>

namespace mt {

/// Reseeds the global generator and resets its counter.
void manual_seed(uint64_t seed);

/// Reserves `count` consecutive draws and returns the first counter; draw i of the block is
/// random_bits(seed, first + i).
uint64_t reserve_random(uint64_t count);
/// The seed in force (pairs with reserve_random).
uint64_t random_seed();
/// The next counter to be drawn: with the seed, the generator's whole state (for checkpoints).
uint64_t random_counter();
/// Restores a state saved from random_seed() and random_counter().
void set_random_state(uint64_t seed, uint64_t counter);

/// 64 random bits for (seed, counter): SplitMix64's finalizer applied to a Weyl sequence.
inline uint64_t random_bits(uint64_t seed, uint64_t counter) {
  uint64_t z = seed + (counter + 1) * 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

/// A 32-bit bijective mixer (Wellons' lowbias32): cheap to vectorize, good avalanche.
inline uint32_t mix32(uint32_t x) {
  x ^= x >> 16;
  x *= 0x7feb352du;
  x ^= x >> 15;
  x *= 0x846ca68bu;
  x ^= x >> 16;
  return x;
}

/// The key of counters whose upper 32 bits are `high` (see random_bits32).
inline uint32_t random_key32(uint64_t seed, uint32_t high) {
  return static_cast<uint32_t>(random_bits(seed, 0xD1B54A32D192ED03ull ^ high));
}

/// 32 random bits for the counter whose low 32 bits are `low`, under `key` = random_key32(seed,
/// counter >> 32): two 32-bit mixing rounds, for loops where random_bits' 64-bit multiplies
/// would dominate (they do not vectorize before AVX-512).
inline uint32_t random_bits32(uint32_t key, uint32_t low) { return mix32(mix32(low + key) ^ key); }

/// Uniform float in [0, 1) from the top 24 bits (every value exactly representable).
inline float random_uniform(uint64_t seed, uint64_t counter) {
  return static_cast<float>(random_bits(seed, counter) >> 40) * (1.0f / 16777216.0f);
}

/// A named stream of random numbers: draw `counter` of the stream under `seed` is
/// random_bits(seed ^ key, first + counter). Every random number of a training run comes from
/// one of the streams below, so that no stream shifts another, and a resumed run, another rank
/// or another thread count draws what an unbroken run on one process would.
struct RandomStream {
  uint64_t key;    // mixed into the seed: streams with different keys never share a draw
  uint64_t first;  // where its counters start: streams under one key keep apart by these
  uint64_t bits(uint64_t seed, uint64_t counter) const { return random_bits(seed ^ key, first + counter); }
};

/// The table of a run's random streams (seed: train.seed unless said), each with how its
/// counters are made and who draws it.
namespace streams {
/// The initial weights: the global generator after manual_seed(train.seed), its counters in the
/// order the parameters are made (nn/init.h; train/run/build.cpp).
inline constexpr RandomStream kWeights{0, 0};
/// The epoch's order: pairs shuffled with counters 2·epoch·2³² + i, then batches with
/// (2·epoch + 1)·2³² + i (data/batcher.cpp). Its first draws are kWeights' first ones too (both
/// started from the plain seed); kept so that runs repeat bit for bit.
inline constexpr RandomStream kBatchOrder{0, 0};
/// Which pairs a corpus of fractional weight contributes: counters (epoch·2¹⁶ + corpus)·2³² + i
/// (data/batcher.cpp).
inline constexpr RandomStream kCorpusWeights{0x57E1'6A7D'0C0B'9A11ull, 0};
/// The seeds of subword sampling (data.spm_alpha): counter 2·epoch + side, side 0 source and 1
/// target (train/loop/training_data.cpp).
inline constexpr RandomStream kSubwordSampling{0, 0x5A3Dull << 40};
/// Dropout: draw step·2²⁴ + micro-batch is the seed of that micro-batch's dropout masks, whose
/// own counters start at 0 (train/loop/trainer_step.cpp).
inline constexpr RandomStream kDropout{0xD6E8'FEB8'6659'FD93ull, 0};
/// The lines a SentencePiece model is trained on (data.spm_max_lines): reservoir sampling, draw
/// k for line k, under seed 0 rather than train.seed, so that the prepared set, which runs of
/// every seed share, does not depend on it (train/run/prepare_corpus.cpp).
inline constexpr RandomStream kTokenizerSample{0x5E17'7E9C'E5A3'D1E5ull, 0};
}  // namespace streams

}  // namespace mt
