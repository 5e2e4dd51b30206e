// The tensor memory cache. A training step allocates the same activation sizes every step;
// returning those blocks to the system and taking them back costs page faults (measured: about
// 700,000 per base step, a third of its time). Freed blocks are kept here by size class and
// handed out again, so steady-state steps touch no new memory. Sizes are rounded up to one of
// four classes per power of two (at most 25% slack), so similar shapes share blocks.
#pragma once

#include <cstddef>
#include <cstdint>

namespace mt {

/// A 64-byte aligned block of at least `bytes` (reused from the cache when one fits its class).
void* cache_allocate(size_t bytes);
/// Returns a block from cache_allocate (of that size) to the cache, or to the system when the
/// cache already holds its limit.
void cache_release(void* block, size_t bytes);

struct CacheStats {
  int64_t cached_bytes = 0;  // held for reuse
  int64_t hits = 0, misses = 0;
};
CacheStats cache_stats();
/// Gives every cached block back to the system.
void cache_clear();
/// The most bytes kept for reuse (default 4 GiB); beyond it, freed blocks go to the system.
void set_cache_limit(int64_t bytes);

}  // namespace mt
