// Tests of train/schedule.cpp: each schedule's values at known updates, and name parsing.
#include <cmath>
#include <numbers>

#include "tests/reference.h"
#include "train/optim/schedule.h"

using namespace mt;
using namespace mt::testing;

TEST_CASE("schedules: constant, noam, linear and cosine at known updates") {
  const Schedule constant{.kind = ScheduleKind::kConstant, .lr = 0.5f};
  CHECK(constant.at(1) == 0.5f);
  CHECK(constant.at(1000) == 0.5f);
  const Schedule noam{.kind = ScheduleKind::kNoam, .lr = 1.0f, .warmup = 4};
  CHECK(noam.at(1) == doctest::Approx(0.25));
  CHECK(noam.at(4) == doctest::Approx(1.0));  // the peak
  CHECK(noam.at(16) == doctest::Approx(0.5));  // sqrt(4/16)
  // The paper's form: d^-0.5 · min(k^-0.5, k · warmup^-1.5) with lr = 1/sqrt(d·warmup).
  const Schedule paper{.kind = ScheduleKind::kNoam, .lr = 1.0f / std::sqrt(512.0f * 4000.0f), .warmup = 4000};
  for (int64_t k : {1, 100, 4000, 20000}) {
    const double expected = std::pow(512.0, -0.5) * std::min(std::pow(k, -0.5), k * std::pow(4000.0, -1.5));
    CHECK(paper.at(k) == doctest::Approx(expected).epsilon(1e-5));
  }
  // The decay reaches 0 one update after the last (total): the last update still learns.
  const Schedule linear{.kind = ScheduleKind::kLinear, .lr = 1.0f, .warmup = 10, .total = 109};
  CHECK(linear.at(5) == doctest::Approx(0.5));
  CHECK(linear.at(10) == doctest::Approx(1.0));
  CHECK(linear.at(60) == doctest::Approx(0.5));
  CHECK(linear.at(109) == doctest::Approx(0.01));  // the last update: 1/100 of the peak, not 0
  CHECK(linear.at(110) == doctest::Approx(0.0));
  CHECK(linear.at(500) == doctest::Approx(0.0));
  const Schedule cosine{.kind = ScheduleKind::kCosine, .lr = 1.0f, .warmup = 0, .total = 99};
  CHECK(cosine.at(50) == doctest::Approx(0.5));
  CHECK(cosine.at(25) == doctest::Approx(0.5 * (1 + std::cos(std::numbers::pi / 4))));
  CHECK(cosine.at(99) == doctest::Approx(0.5 * (1 + std::cos(std::numbers::pi * 0.99))));
  CHECK(cosine.at(99) > 0.0f);
  CHECK(cosine.at(100) == doctest::Approx(0.0));
}

TEST_CASE("schedules: linear and cosine without a total end where the time budget will, at the pace so far") {
  const Schedule linear{.kind = ScheduleKind::kLinear, .lr = 1.0f, .warmup = 10};
  CHECK(linear.at(5, 0.3) == doctest::Approx(0.5));  // warmup by updates, whatever the clock
  CHECK(linear.at(10, 0.3) == doctest::Approx(1.0));  // the peak at its end
  CHECK(linear.at(20) == doctest::Approx(1.0));       // nothing spent yet: no end in sight
  // 20 updates took a fifth of the budget: the last will be update 100.
  CHECK(linear.at(20, 0.2) == doctest::Approx(1.0 - 10.0 / 91.0));
  CHECK(linear.at(55, 0.5) == doctest::Approx(1.0 - 45.0 / 101.0));  // a slower pace: update 110
  CHECK(linear.at(100, 1.0) == doctest::Approx(1.0 / 91.0));  // the update that ends the budget still learns
  CHECK(linear.at(100, 1.5) == doctest::Approx(1.0 / 91.0));  // and one past it is that one
  CHECK(linear.at(100, 0.99) > linear.at(100, 1.0));
  const Schedule cosine{.kind = ScheduleKind::kCosine, .lr = 2.0f, .warmup = 0};
  CHECK(cosine.at(50, 0.5) == doctest::Approx(1.0 + std::cos(std::numbers::pi * 50.0 / 101.0)));
  CHECK(cosine.at(99, 1.0) == doctest::Approx(1.0 + std::cos(std::numbers::pi * 99.0 / 100.0)));
  // With a total, the clock is not read.
  const Schedule by_steps{.kind = ScheduleKind::kLinear, .lr = 1.0f, .warmup = 10, .total = 109};
  CHECK(by_steps.at(60, 0.9) == doctest::Approx(0.5));
  check_error([] { Schedule{.kind = ScheduleKind::kLinear, .warmup = 10}.at(20, -0.1); }, {"time budget", "-0.1"});
}

TEST_CASE("schedules: names parse, bad settings are errors") {
  CHECK(parse_schedule_kind("noam") == ScheduleKind::kNoam);
  check_error([] { parse_schedule_kind("step"); }, {"step", "constant, noam, linear or cosine"});
  check_error([] { Schedule{.kind = ScheduleKind::kNoam, .warmup = 0}.at(1); }, {"noam", "warmup"});
  check_error([] { Schedule{.kind = ScheduleKind::kLinear, .warmup = 10, .total = 5}.at(1); }, {"total"});
}
