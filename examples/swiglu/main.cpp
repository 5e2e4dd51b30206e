// The tutorial's program: checks the new op, then trains the toy translator with the new
// feed-forward block selected from the config, and translates with the result.
//   swiglu_example CONFIG [--section.key=value ...]
// e.g. swiglu_example configs/toy.ini --train.run_dir=runs/toy_swiglu
#include <cmath>
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "autograd/check.h"
#include "autograd/gradcheck.h"
#include "autograd/random.h"
#include "swiglu.h"
#include "train/run/checkpoint.h"
#include "train/run/config.h"
#include "train/translate/evaluate.h"
#include "train/loop/trainer.h"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: swiglu_example CONFIG [--section.key=value ...]\n";
    return 2;
  }
  try {
    // 1. The op: its values against the formula, its gradient against central differences.
    mt::manual_seed(1);
    const mt::Tensor x = mt::randn({4, 5}, /*requires_grad=*/true);
    const std::vector<float> in = x.to_vector(), out = tutorial::silu(x).to_vector();
    for (size_t i = 0; i < in.size(); ++i) {
      const double expected = in[i] / (1.0 + std::exp(-double(in[i])));
      MT_CHECK(std::abs(out[i] - expected) <= 1e-6 + 1e-6 * std::abs(expected), "silu(", in[i], ") = ", out[i],
               ", expected ", expected);
    }
    const mt::GradcheckResult check =
        mt::gradcheck([](const std::vector<mt::Tensor>& v) { return tutorial::silu(v[0]); }, {x});
    MT_CHECK(check.ok, "silu gradcheck failed:\n", check.report);
    std::cout << "silu: values match x*sigmoid(x); gradcheck passed on " << check.checked << " elements\n";

    // 2. The module, selected from the config, trained on the task.
    tutorial::register_swiglu();
    std::vector<std::string> overrides(argv + 2, argv + argc);
    overrides.insert(overrides.begin(), "--model.feed_forward=swiglu");
    const mt::Config config = mt::load_config(argv[1], overrides);
    const mt::TrainResult result = mt::train(config, mt::Start::kNew, std::cerr);

    // 3. The trained run loads (its config names swiglu) and translates.
    const mt::LoadedModel loaded = mt::load_for_inference(config.train.run_dir);
    int64_t swiglu_tensors = 0;
    for (const auto& [name, tensor] : loaded.model->named_parameters()) {
      swiglu_tensors += name.ends_with(".feed_forward.w_gate.weight");
    }
    const int64_t layers = config.model.encoder_layers + config.model.decoder_layers;
    MT_CHECK(swiglu_tensors == layers, "expected a SwiGLU block in each of the ", layers, " layers, found ",
             swiglu_tensors);
    const double uniform = std::log(static_cast<double>(loaded.codec.tgt_vocab.size()));  // loss of a blind guess
    MT_CHECK(result.last_loss < 0.5 * uniform, "the loss did not fall: ", result.last_loss, " after ", result.steps,
             " steps (a uniform guess gives ", uniform, ")");
    const auto hypotheses =
        mt::translate_text(*loaded.model, loaded.codec, {"the big dog sees a small cat"}, {.max_len_b = 30});
    std::printf("trained %lld steps with model.feed_forward = swiglu (%lld parameters); loss %.4f (a uniform "
                "guess: %.4f)\n", (long long)result.steps, (long long)loaded.model->parameter_count(),
                result.last_loss, uniform);
    std::printf("test exact match %.2f%%, BLEU %.2f\n", 100.0 * result.test_exact_match, result.test_bleu);
    std::cout << "the big dog sees a small cat -> " << hypotheses.front() << "\n";
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "swiglu_example: error: " << e.what() << "\n";
    return 1;
  }
}
