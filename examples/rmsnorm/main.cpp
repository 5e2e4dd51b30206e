// A new norm chosen from the config, in one file: RMSNorm (Zhang & Sennrich, 2019),
//   y = x / sqrt(mean(x²) + eps) · weight
// composed of catalogue ops (so its gradient needs no code of its own), registered as
// model.norm = rms_norm, checked by gradcheck, then the toy translator trained with it in every
// layer and in both final norms.
//   rmsnorm_example CONFIG [--section.key=value ...]
#include <cmath>
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "autograd/check.h"
#include "autograd/gradcheck.h"
#include "autograd/ops.h"
#include "autograd/random.h"
#include "nn/layer_norm.h"
#include "train/loop/trainer.h"
#include "train/run/checkpoint.h"
#include "train/run/config.h"

namespace {

class RmsNorm : public mt::nn::Norm {
 public:
  RmsNorm(int64_t dim, float eps) : eps(eps) { weight = register_parameter("weight", mt::ones({dim})); }
  /// x: [..., D] -> [..., D]
  mt::Tensor forward(const mt::Tensor& x) const override {
    const mt::Tensor rms = mt::sqrt(mt::mean(x * x, {-1}, /*keepdim=*/true) + eps);  // [..., 1]
    return x / rms * weight;
  }

  const float eps;
  mt::Tensor weight;  // [D]

 protected:
  std::string type_name() const override { return "RMSNorm"; }
};

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: rmsnorm_example CONFIG [--section.key=value ...]\n";
    return 2;
  }
  try {
    mt::nn::register_norm("rms_norm", [](int64_t dim, float eps) { return std::make_shared<RmsNorm>(dim, eps); });

    // 1. The module: its gradient against central differences.
    mt::manual_seed(1);
    const RmsNorm norm(6, 1e-5f);
    const mt::Tensor x = mt::randn({3, 6}, /*requires_grad=*/true);
    const mt::GradcheckResult check =
        mt::gradcheck([&](const std::vector<mt::Tensor>& v) { return norm.forward(v[0]); }, {x, norm.weight});
    MT_CHECK(check.ok, "RMSNorm gradcheck failed:\n", check.report);

    // 2. The toy translator with model.norm = rms_norm: every norm is an RMSNorm (a weight, no bias).
    std::vector<std::string> overrides(argv + 2, argv + argc);
    overrides.insert(overrides.begin(), "--model.norm=rms_norm");
    const mt::Config config = mt::load_config(argv[1], overrides);
    const mt::TrainResult result = mt::train(config, mt::Start::kNew, std::cerr);
    const mt::LoadedModel loaded = mt::load_for_inference(config.train.run_dir);
    int64_t norms = 0, biases = 0;
    for (const auto& [name, tensor] : loaded.model->named_parameters()) {
      norms += name.find("norm") != std::string::npos && name.ends_with(".weight");
      biases += name.find("norm") != std::string::npos && name.ends_with(".bias");
    }
    const int64_t expected = 2 * config.model.encoder_layers + 3 * config.model.decoder_layers + 2;
    MT_CHECK(norms == expected && biases == 0, "expected ", expected, " RMSNorm weights and no norm bias, found ",
             norms, " and ", biases);
    const double uniform = std::log(static_cast<double>(loaded.codec.tgt_vocab.size()));  // loss of a blind guess
    MT_CHECK(result.last_loss < 0.5 * uniform, "the loss did not fall: ", result.last_loss, " after ", result.steps,
             " steps (a uniform guess gives ", uniform, ")");
    std::printf("RMSNorm: gradcheck passed on %lld elements; trained %lld steps with model.norm = rms_norm (%lld "
                "norms); loss %.4f (a uniform guess: %.4f)\n",
                (long long)check.checked, (long long)result.steps, (long long)norms, result.last_loss, uniform);
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "rmsnorm_example: error: " << e.what() << "\n";
    return 1;
  }
}
