// LayerNorm and the registry of norms; see layer_norm.h.
#include "nn/layer_norm.h"

#include "autograd/check.h"
#include "autograd/ops.h"
#include "nn/registry.h"

namespace mt::nn {

LayerNorm::LayerNorm(int64_t d, float e) : dim(d), eps(e) {
  MT_CHECK(d > 0, "LayerNorm: size must be positive, got ", d);
  weight = register_parameter("weight", ones({d}));
  bias = register_parameter("bias", zeros({d}));
}

Tensor LayerNorm::forward(const Tensor& x) const { return layer_norm(x, weight, bias, eps); }

std::string LayerNorm::extra_repr() const { return str(dim, ", eps=", eps); }

namespace {
Registry<NormFactory>& registry() {
  static Registry<NormFactory> norms("model.norm", {{"layer_norm", [](int64_t dim, float eps) {
    return std::make_shared<LayerNorm>(dim, eps);
  }}});
  return norms;
}
}  // namespace

void register_norm(const std::string& name, NormFactory make) { registry().add(name, std::move(make)); }
std::vector<std::string> norm_names() { return registry().names(); }
std::shared_ptr<Norm> make_norm(const std::string& name, int64_t dim, float eps) {
  return registry().at(name)(dim, eps);
}

}  // namespace mt::nn
