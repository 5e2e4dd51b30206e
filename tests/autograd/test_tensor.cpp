// Tensor: constructors, the seeded generator, printing, element access, errors.
#include <cmath>
#include <sstream>

#include "autograd/kernels/allocator.h"
#include "tests/reference.h"

using namespace mt;
using namespace mt::testing;

TEST_CASE("constructors give the documented shapes and values") {
  CHECK(zeros({2, 3}).to_vector() == std::vector<float>(6, 0.0f));
  CHECK(ones({2}).to_vector() == std::vector<float>{1, 1});
  CHECK(full({}, 2.5f).item() == 2.5f);
  CHECK(full({}, 2.5f).dim() == 0);
  CHECK(arange(0, 5).to_vector() == std::vector<float>{0, 1, 2, 3, 4});
  CHECK(arange(1, 2, 0.25f).to_vector() == std::vector<float>{1, 1.25f, 1.5f, 1.75f});
  const Tensor t = from_values({1, 2, 3, 4, 5, 6}, {2, 3}, true);
  CHECK(t.shape() == Shape{2, 3});
  CHECK(t.strides() == Strides{3, 1});
  CHECK(t.size(-1) == 3);
  CHECK(t.requires_grad());
  CHECK_FALSE(zeros({1}).requires_grad());
  CHECK(reinterpret_cast<uintptr_t>(zeros({3}).data()) % 64 == 0);
}

TEST_CASE("randn and uniform are reproducible under manual_seed and have the right moments") {
  manual_seed(42);
  const std::vector<float> a = randn({50000}).to_vector();
  manual_seed(42);
  CHECK(randn({50000}).to_vector() == a);
  double s = 0, ss = 0;
  for (float v : a) s += v, ss += double(v) * v;
  const double mean = s / a.size(), var = ss / a.size() - mean * mean;
  CHECK(std::abs(mean) < 0.02);       // standard error 0.0045
  CHECK(std::abs(var - 1.0) < 0.03);  // standard error 0.0063
  const std::vector<float> u = uniform({50000}, -2.0f, 3.0f).to_vector();
  for (float v : u) REQUIRE((v >= -2.0f && v < 3.0f));
  double us = 0;
  for (float v : u) us += v;
  CHECK(std::abs(us / u.size() - 0.5) < 0.04);  // standard error 0.0065
}

TEST_CASE("printing shows values, shape and history") {
  std::ostringstream out;
  out << from_values({1, 2, 3, 4}, {2, 2});
  CHECK(out.str() == "tensor([[1, 2], [3, 4]], shape=[2, 2])");
  std::ostringstream longer;
  longer << arange(0, 10);
  CHECK(longer.str() == "tensor([0, 1, 2, ..., 7, 8, 9], shape=[10])");
  std::ostringstream with_grad;
  with_grad << add(ones({1}, true), ones({1}));
  CHECK(with_grad.str() == "tensor([2], shape=[1], grad_fn=add)");
  std::ostringstream scalar;
  scalar << full({}, 3.0f);
  CHECK(scalar.str() == "tensor(3, shape=[])");
}

TEST_CASE("tensor misuse raises mt::Error with the shapes") {
  check_error([] { from_values({1, 2, 3}, {2, 2}); }, {"from_values", "3", "[2, 2]"});
  check_error([] { zeros({2, 2}).item(); }, {"item", "[2, 2]"});
  check_error([] { IntTensor({1, 2}, {3}); }, {"IntTensor", "[3]"});
  check_error([] { Tensor().shape(); }, {"undefined"});
  check_error([] { Tensor x = add(ones({1}, true), ones({1})); x.requires_grad_(); }, {"requires_grad_", "add"});
}

TEST_CASE("tensor memory is reused from the cache, by size class, within its limit") {
  cache_clear();  // what earlier tests of this process left there could serve c below
  const CacheStats start = cache_stats();
  { Tensor a({1000, 37}); }            // freed: its block goes to the cache
  { Tensor b({1000, 37}); }            // the same size class: served from the cache
  const CacheStats after = cache_stats();
  CHECK(after.hits >= start.hits + 1);
  set_cache_limit(0);                  // nothing is kept any more
  { Tensor c({3000, 41}); }
  CHECK(cache_stats().cached_bytes == after.cached_bytes);  // c was not kept
  set_cache_limit(int64_t{4} << 30);
  cache_clear();
  CHECK(cache_stats().cached_bytes == 0);
  const Tensor d = full({5000}, 2.0f);  // blocks from a cleared cache are fresh but work the same
  CHECK(d.to_vector()[4999] == 2.0f);
}

TEST_CASE("tensor: a tensor too large for memory is an error naming its shape and bytes") {
  check_error([] { Tensor({int64_t{1} << 40, int64_t{1} << 40}); }, {"[1099511627776, 1099511627776]",
                                                                     "more elements than memory can address"});
#if !defined(__SANITIZE_ADDRESS__)  // AddressSanitizer aborts on such a request instead of failing it
  check_error([] { Tensor({1000000, 1000000}); }, {"out of memory", "[1000000, 1000000]", "4000000000000 bytes"});
#endif
}
