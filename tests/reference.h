// Test helpers: PyTorch-made fixtures (tests/reference/ops.txt, written by
// tools/pytorch/gen_reference.py), closeness checks that name the first mismatch, and a gradcheck
// wrapper. Header-only so each test file stays self-contained.
#pragma once

#include <doctest/doctest.h>

#include <cmath>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "autograd/check.h"
#include "autograd/gradcheck.h"
#include "autograd/ops.h"
#include "autograd/random.h"

namespace mt::testing {

/// Every tensor of tests/reference/ops.txt by name ("add.in0", "add.out", ...).
inline const std::map<std::string, std::pair<Shape, std::vector<float>>>& fixtures() {
  static const auto all = [] {
    std::map<std::string, std::pair<Shape, std::vector<float>>> out;
    const std::string path = std::string(MT_REFERENCE_DIR) + "/ops.txt";
    std::ifstream file(path);
    MT_CHECK(file.good(), "cannot open ", path, " (run tools/pytorch/gen_reference.py)");
    std::string line;
    while (std::getline(file, line)) {
      if (line.empty() || line[0] == '#') continue;
      std::istringstream in(line);
      std::string name, colon;
      int64_t rank = 0;
      in >> name >> rank;
      Shape shape(rank);
      for (int64_t& d : shape) in >> d;
      in >> colon;
      std::vector<float> values(numel(shape));
      for (float& v : values) in >> v;
      MT_CHECK(colon == ":" && !in.fail(), path, ": malformed line for ", name);
      out[name] = {shape, values};
    }
    return out;
  }();
  return all;
}

/// A fixture tensor (a fresh leaf, so tests may mark it requires_grad).
inline Tensor fixture(const std::string& name) {
  auto it = fixtures().find(name);
  MT_CHECK(it != fixtures().end(), "no reference tensor named ", name);
  return from_values(it->second.second, it->second.first);
}

/// A fixture holding integers (ids, targets, masks).
inline IntTensor fixture_ints(const std::string& name) {
  const Tensor t = fixture(name);
  std::vector<int32_t> values;
  for (float v : t.to_vector()) values.push_back(static_cast<int32_t>(std::lround(v)));
  return IntTensor(values, t.shape());
}

/// Checks shapes and |actual - expected| <= atol + rtol·|expected| everywhere; reports the worst.
inline void check_close(const Tensor& actual, const Tensor& expected, double rtol = 1e-5, double atol = 1e-5) {
  REQUIRE(actual.defined());
  REQUIRE_MESSAGE(actual.shape() == expected.shape(), str("shape ", actual.shape(), " vs expected ", expected.shape()));
  const std::vector<float> a = actual.to_vector(), e = expected.to_vector();
  int64_t bad = 0, worst = -1;
  double worst_excess = 0.0;
  for (size_t i = 0; i < a.size(); ++i) {
    const double excess = std::abs(double(a[i]) - e[i]) - (atol + rtol * std::abs(double(e[i])));
    if (excess > 0 || std::isnan(a[i]) != std::isnan(e[i])) {
      ++bad;
      if (worst < 0 || excess > worst_excess) worst = static_cast<int64_t>(i), worst_excess = excess;
    }
  }
  CHECK_MESSAGE(bad == 0, str(bad, " of ", a.size(), " values differ; worst at ", worst, ": ",
                              worst >= 0 ? a[worst] : 0.0f, " vs expected ", worst >= 0 ? e[worst] : 0.0f));
}

using OpFn = std::function<Tensor(const std::vector<Tensor>&)>;

/// Runs `op` on the fixture's inputs in0..in{n-1}, checks the output, then backpropagates
/// L = Σ out·R and checks each input's gradient against PyTorch's.
inline void check_reference(const std::string& name, int n_inputs, const OpFn& op, double rtol = 1e-5,
                            double atol = 1e-5) {
  INFO("PyTorch fixture ", name, " (tests/reference/ops.txt)");
  std::vector<Tensor> inputs;
  for (int i = 0; i < n_inputs; ++i) inputs.push_back(fixture(name + ".in" + std::to_string(i)).requires_grad_());
  const Tensor out = op(inputs);
  check_close(out, fixture(name + ".out"), rtol, atol);
  sum(mul(out, fixture(name + ".r"))).backward();
  for (int i = 0; i < n_inputs; ++i) {
    INFO("gradient of input ", i);
    check_close(inputs[i].grad(), fixture(name + ".grad" + std::to_string(i)), rtol, atol);
  }
}

/// gradcheck that fails the test with the mismatch report.
inline void check_gradients(const OpFn& f, const std::vector<Tensor>& inputs, GradcheckOptions options = {}) {
  const GradcheckResult result = gradcheck(f, inputs, options);
  CHECK(result.checked > 0);
  CHECK_MESSAGE(result.ok, result.report);
}

/// A seeded random leaf that requires grad.
inline Tensor param(const Shape& shape, uint64_t seed, float scale = 1.0f) {
  manual_seed(seed);
  return mul(randn(shape), scale).detach().requires_grad_();
}

/// Dotted parameter names of a module, in order.
template <typename M>
std::vector<std::string> names(const M& m) {
  std::vector<std::string> out;
  for (const auto& [name, t] : m.named_parameters()) out.push_back(name);
  return out;
}

/// `inputs` followed by every parameter of a module (for gradchecks of modules).
template <typename M>
std::vector<Tensor> with_params(const M& m, std::vector<Tensor> inputs) {
  for (const Tensor& p : m.parameters()) inputs.push_back(p);
  return inputs;
}

/// Command-line options `args` with `more` given after them, each replacing an option of the
/// same key ("--train.max_steps=5" replaces any "--train.max_steps=..."; the parser refuses a
/// key given twice).
inline std::vector<std::string> with_overrides(std::vector<std::string> args, const std::vector<std::string>& more) {
  for (const std::string& m : more) {
    const std::string key = m.substr(0, m.find('=') + 1);
    std::erase_if(args, [&](const std::string& a) { return a.rfind(key, 0) == 0; });
    args.push_back(m);
  }
  return args;
}

/// Checks that `fn` throws mt::Error whose message contains every part of `expected`.
template <typename Fn>
void check_error(const Fn& fn, const std::vector<std::string>& expected) {
  try {
    fn();
    FAIL("expected mt::Error");
  } catch (const Error& e) {
    const std::string message = e.what();
    for (const std::string& part : expected) CHECK_MESSAGE(message.find(part) != std::string::npos, message);
  }
}

}  // namespace mt::testing
