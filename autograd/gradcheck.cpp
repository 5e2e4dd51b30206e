// gradcheck; see gradcheck.h.
#include "autograd/gradcheck.h"

#include <cmath>
#include <sstream>

#include "autograd/check.h"
#include "autograd/grad_mode.h"
#include "autograd/ops.h"
#include "autograd/random.h"

namespace mt {
namespace {

// L = Σ y·R in double.
double weighted_sum(const Tensor& y, const std::vector<float>& r) {
  const std::vector<float> values = y.to_vector();
  double total = 0.0;
  for (size_t i = 0; i < values.size(); ++i) total += static_cast<double>(values[i]) * r[i];
  return total;
}

}  // namespace

GradcheckResult gradcheck(const std::function<Tensor(const std::vector<Tensor>&)>& f,
                          const std::vector<Tensor>& inputs, const GradcheckOptions& options) {
  for (const Tensor& x : inputs) {
    MT_CHECK(!x.defined() || (!x.grad_fn() && x.is_contiguous()), "gradcheck: inputs must be contiguous leaves");
  }

  // Analytic gradients of L = Σ f(x)·R.
  for (const Tensor& x : inputs) if (x.defined()) x.zero_grad();
  const Tensor y = f(inputs);
  std::vector<float> r(y.numel());
  for (size_t i = 0; i < r.size(); ++i) r[i] = 2.0f * random_uniform(options.seed, i) - 1.0f;
  const Tensor loss = sum(mul(y, from_values(r, y.shape())));
  MT_CHECK(loss.requires_grad(), "gradcheck: no input requires grad");
  loss.backward();

  GradcheckResult result;
  std::ostringstream report;
  NoGradGuard no_grad;
  for (size_t k = 0; k < inputs.size(); ++k) {
    const Tensor& x = inputs[k];
    if (!x.defined() || !x.requires_grad()) continue;
    const Tensor analytic = x.grad().defined() ? x.grad() : zeros(x.shape());
    float* p = x.data();
    for (int64_t i = 0; i < x.numel(); ++i) {
      const float original = p[i];
      const float up = original + options.eps, down = original - options.eps;
      p[i] = up;
      const double l_up = weighted_sum(f(inputs), r);
      p[i] = down;
      const double l_down = weighted_sum(f(inputs), r);
      p[i] = original;
      // Divide by the step actually taken in float, not the nominal 2·eps.
      const double numeric = (l_up - l_down) / (static_cast<double>(up) - static_cast<double>(down));
      const double a = analytic.data()[i];
      ++result.checked;
      if (!(std::abs(a - numeric) <= options.atol + options.rtol * std::abs(numeric))) {
        if (result.mismatches++ < options.max_reported) {
          report << "input " << k << " " << x.shape() << " element " << i << ": analytic " << a << ", numeric "
                 << numeric << "\n";
        }
      }
    }
  }
  result.ok = result.mismatches == 0;
  result.report = report.str();
  if (!result.ok) result.report += str(result.mismatches, " of ", result.checked, " elements differ\n");
  return result;
}

}  // namespace mt
