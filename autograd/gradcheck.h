// gradcheck: compares an op's analytic gradients with central differences, for tests and for
// users writing their own ops. L = Σ f(x)·R for a fixed random R; each input element is moved
// by ±eps and (L+ - L-)/(2·eps) is accumulated in double. Read next: tests/autograd/test_gradcheck.cpp.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "autograd/tensor.h"

namespace mt {

struct GradcheckOptions {
  float eps = 1e-3f;      // finite-difference step
  double atol = 1e-3;     // pass if |analytic - numeric| <= atol + rtol·|numeric|
  double rtol = 1e-2;
  uint64_t seed = 1234;   // for R
  int max_reported = 5;   // mismatches listed in the report
};

struct GradcheckResult {
  bool ok = true;
  int64_t checked = 0;     // elements compared
  int64_t mismatches = 0;
  std::string report;      // the first mismatches: input, index, analytic, numeric
};

/// Checks the gradients of f at `inputs` with respect to every input that requires grad.
/// Inputs are perturbed in place and restored (they must be contiguous leaves).
GradcheckResult gradcheck(const std::function<Tensor(const std::vector<Tensor>&)>& f,
                          const std::vector<Tensor>& inputs, const GradcheckOptions& options = {});

}  // namespace mt
