// The tensor memory cache; see allocator.h.
#include "autograd/kernels/allocator.h"

#include <bit>
#include <cstdlib>
#include <mutex>
#include <new>
#include <unordered_map>
#include <vector>

namespace mt {
namespace {

constexpr size_t kAlign = 64;

struct Cache {
  std::mutex mutex;
  std::unordered_map<size_t, std::vector<void*>> free_blocks;  // by class size
  int64_t cached_bytes = 0, limit = int64_t{4} << 30, hits = 0, misses = 0;
};

Cache& cache() {
  static Cache* c = new Cache();  // never destroyed: tensors may outlive static destructors
  return *c;
}

// The class size for `bytes`: 64-byte multiples up to 4 KiB, then 2^k·{1, 1.25, 1.5, 1.75}.
size_t class_size(size_t bytes) {
  bytes = (bytes + kAlign - 1) / kAlign * kAlign;
  if (bytes <= 4096) return bytes;
  const size_t top = std::bit_floor(bytes), step = top / 4;
  return (bytes + step - 1) / step * step;
}

}  // namespace

void* cache_allocate(size_t bytes) {
  const size_t size = class_size(bytes == 0 ? 1 : bytes);
  Cache& c = cache();
  {
    std::lock_guard<std::mutex> lock(c.mutex);
    auto it = c.free_blocks.find(size);
    if (it != c.free_blocks.end() && !it->second.empty()) {
      void* block = it->second.back();
      it->second.pop_back();
      c.cached_bytes -= static_cast<int64_t>(size);
      ++c.hits;
      return block;
    }
    ++c.misses;
  }
  void* block = std::aligned_alloc(kAlign, size);
  if (block == nullptr) {
    cache_clear();  // memory is short: give back what is cached and try once more
    block = std::aligned_alloc(kAlign, size);
    if (block == nullptr) throw std::bad_alloc();
  }
  return block;
}

void cache_release(void* block, size_t bytes) {
  if (block == nullptr) return;
  const size_t size = class_size(bytes == 0 ? 1 : bytes);
  Cache& c = cache();
  {
    std::lock_guard<std::mutex> lock(c.mutex);
    if (c.cached_bytes + static_cast<int64_t>(size) <= c.limit) {
      c.free_blocks[size].push_back(block);
      c.cached_bytes += static_cast<int64_t>(size);
      return;
    }
  }
  std::free(block);
}

CacheStats cache_stats() {
  Cache& c = cache();
  std::lock_guard<std::mutex> lock(c.mutex);
  return {c.cached_bytes, c.hits, c.misses};
}

void cache_clear() {
  Cache& c = cache();
  std::lock_guard<std::mutex> lock(c.mutex);
  for (auto& [size, blocks] : c.free_blocks) {
    for (void* b : blocks) std::free(b);
  }
  c.free_blocks.clear();
  c.cached_bytes = 0;
}

void set_cache_limit(int64_t bytes) {
  Cache& c = cache();
  std::lock_guard<std::mutex> lock(c.mutex);
  c.limit = bytes;
}

}  // namespace mt
