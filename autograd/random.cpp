// The global generator's state: a seed and a counter. See random.h.
#include "autograd/random.h"

namespace mt {
namespace {
uint64_t g_seed = 0x5EED;
uint64_t g_counter = 0;
}  // namespace

void manual_seed(uint64_t seed) {
  g_seed = seed;
  g_counter = 0;
}

uint64_t reserve_random(uint64_t count) {
  const uint64_t first = g_counter;
  g_counter += count;
  return first;
}

uint64_t random_seed() { return g_seed; }
uint64_t random_counter() { return g_counter; }

void set_random_state(uint64_t seed, uint64_t counter) {
  g_seed = seed;
  g_counter = counter;
}

}  // namespace mt
