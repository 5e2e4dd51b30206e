// Tests of train/distributed/ in one process (tests/train/distributed/mpi.sh runs the ranks under
// mpirun): the gradient buffer adds micro-batches in their order, a parameter that backward did
// not reach adds zeros, clear() starts a new step, write_back() gives every parameter its sum; a
// job of one rank sums, votes and waits as the identity.
#include <vector>

#include "tests/reference.h"
#include "train/distributed/gradient_sum.h"

using namespace mt;
using namespace mt::testing;

namespace {

Tensor filled(const Shape& shape, std::vector<float> values) {
  Tensor t(shape);
  std::copy(values.begin(), values.end(), t.data());
  return t;
}

}  // namespace

TEST_CASE("gradient sum: micro-batches add in order, a missing gradient adds zeros, and clear() starts anew") {
  const Tensor a = zeros({2, 2}, true), b = zeros({3}, true);
  GradientSum sum({a, b});
  CHECK(sum.bytes() == 7 * sizeof(float));
  const std::vector<float> a0 = {0.1f, 0.2f, 0.3f, 0.4f}, a1 = {1e8f, -2.5f, 3.0f, 0.7f}, a2 = {-1e8f, 1.0f, 1e-8f, 0.1f};
  a.set_grad(filled({2, 2}, a0));
  b.set_grad(filled({3}, {1, 2, 3}));
  sum.add();
  a.set_grad(filled({2, 2}, a1));
  b.zero_grad();  // backward did not reach b in this micro-batch
  sum.add();
  a.set_grad(filled({2, 2}, a2));
  b.set_grad(filled({3}, {0.5f, 0.25f, 0.125f}));
  sum.add();
  sum.sum_over_ranks(Communicator::world());  // one rank: the buffer as it is
  sum.write_back();
  for (size_t i = 0; i < 4; ++i) {
    const float expected = (a0[i] + a1[i]) + a2[i];  // the order one process and the ranks both keep
    CHECK(a.grad().to_vector()[i] == expected);
  }
  CHECK(b.grad().to_vector() == std::vector<float>{1.5f, 2.25f, 3.125f});

  sum.clear();  // a new step: the first add copies
  a.set_grad(filled({2, 2}, {4, 3, 2, 1}));
  b.zero_grad();
  sum.add();
  sum.write_back();
  CHECK(a.grad().to_vector() == std::vector<float>{4, 3, 2, 1});
  CHECK(b.grad().to_vector() == std::vector<float>{0, 0, 0});
}

TEST_CASE("gradient sum: a rank without a micro-batch this step contributes zeros") {
  const Tensor a = zeros({2}, true);
  a.set_grad(filled({2}, {5, 6}));
  GradientSum sum({a});
  sum.clear();
  sum.sum_over_ranks(Communicator::world());  // nothing added
  sum.write_back();
  CHECK(a.grad().to_vector() == std::vector<float>{0, 0});
}

TEST_CASE("communicator: a process started alone is a job of one rank") {
  Communicator& world = Communicator::world();
  CHECK(world.rank() == 0);
  CHECK(world.size() == 1);
  CHECK(world.root());
  std::vector<float> values = {1.5f, -2.0f};
  world.sum(values);
  CHECK(values == std::vector<float>{1.5f, -2.0f});
  std::vector<double> scalars = {0.25};
  world.sum(scalars);
  CHECK(scalars[0] == 0.25);
  CHECK(world.any(true));
  CHECK_FALSE(world.any(false));
  world.barrier();
}
