// Parity with PyTorch: the reference model of tools/reference_model.py (torch.nn.Transformer
// inside) wrote its random weights, a ragged padded batch, logits, loss, gradients and five
// optimizer steps (tools/gen_parity.py). minitrans loads the same weights and must agree.
#include <sstream>

#include "nn/transformer.h"
#include "tests/parity_fixture.h"
#include "tests/reference.h"
#include "train/optim/optimizer.h"
#include "train/run/safetensors.h"
#include "train/optim/schedule.h"

using namespace mt;
using namespace mt::testing;

namespace {

struct Parity {
  std::map<std::string, Tensor> tensors;
  Metadata meta;
  nn::TransformerOptions options;
  IntTensor src, tgt_in, tgt_out;
};

std::vector<std::string> split_names(const std::string& joined) {
  std::vector<std::string> names;
  std::stringstream in(joined);
  for (std::string name; std::getline(in, name, ',');) names.push_back(name);
  return names;
}

Parity load_parity(const std::string& config) {
  Parity p;
  p.tensors = load_safetensors(std::string(MT_REFERENCE_DIR) + "/parity_" + config + ".safetensors", &p.meta);
  p.options = parity_options(p.meta);
  p.src = as_ids(p.tensors.at("src"));
  p.tgt_in = as_ids(p.tensors.at("tgt_in"));
  p.tgt_out = as_ids(p.tensors.at("tgt_out"));
  return p;
}

// The model with the fixture's weights.
std::unique_ptr<nn::Transformer> load_model(const Parity& p) {
  auto model = std::make_unique<nn::Transformer>(p.options);
  std::map<std::string, Tensor> weights;
  for (const auto& [name, t] : p.tensors) {
    if (name.rfind("weights.", 0) == 0) weights[name.substr(8)] = t;
  }
  model->load_state_dict(weights);
  return model;
}

Tensor loss_of(const nn::Transformer& model, const Parity& p) {
  const Tensor logits = model.forward(p.src, p.tgt_in);
  const int64_t v = logits.size(-1);
  return cross_entropy(reshape(logits, {-1, v}), IntTensor(p.tgt_out.values, {p.tgt_out.numel()}), 0);
}

}  // namespace

TEST_CASE("parity: names and order of parameters and state_dict equal the PyTorch reference") {
  for (const std::string config : {"postln", "preln"}) {
    INFO(config);
    const Parity p = load_parity(config);
    const nn::Transformer model(p.options);
    std::vector<std::string> params, state;
    for (const auto& [name, t] : model.named_parameters()) params.push_back(name);
    for (const auto& [name, t] : model.state_dict()) state.push_back(name);
    CHECK(params == split_names(p.meta.at("parameter_order")));
    CHECK(state == split_names(p.meta.at("state_dict_order")));
    for (const auto& [name, t] : model.state_dict()) {
      CHECK_MESSAGE(t.shape() == p.tensors.at("weights." + name).shape(), name);
    }
  }
}

TEST_CASE("parity: logits, loss and every gradient match PyTorch (post-LN and pre-LN)") {
  for (const std::string config : {"postln", "preln"}) {
    INFO(config);
    const Parity p = load_parity(config);
    const auto model = load_model(p);
    const Tensor logits = model->forward(p.src, p.tgt_in);
    check_close(logits, p.tensors.at("logits"), 1e-5, 1e-5);
    const Tensor loss = loss_of(*model, p);
    CHECK(loss.item() == doctest::Approx(p.tensors.at("loss").item()).epsilon(1e-5));
    loss.backward();
    int64_t checked = 0;
    for (const auto& [name, param] : model->named_parameters()) {
      INFO(name);
      check_close(param.grad(), p.tensors.at("grad." + name), 1e-4, 1e-5);
      ++checked;
    }
    CHECK(checked == static_cast<int64_t>(split_names(p.meta.at("parameter_order")).size()));
  }
}

TEST_CASE("parity: five Adam steps with a Noam schedule and clipping reproduce PyTorch's losses") {
  for (const std::string config : {"postln", "preln"}) {
    INFO(config);
    const Parity p = load_parity(config);
    const auto model = load_model(p);
    const auto& m = p.meta;
    Adam adam(model->parameters(), {.lr = std::stof(m.at("adam_lr")), .beta1 = std::stof(m.at("beta1")),
                                    .beta2 = std::stof(m.at("beta2")), .eps = std::stof(m.at("eps"))});
    const Schedule noam{.kind = ScheduleKind::kNoam, .lr = std::stof(m.at("adam_lr")), .warmup = std::stoi(m.at("warmup"))};
    const std::vector<float> expected = p.tensors.at("adam_losses").to_vector();
    for (size_t k = 1; k <= expected.size(); ++k) {
      adam.zero_grad();
      const Tensor loss = loss_of(*model, p);
      CHECK_MESSAGE(loss.item() == doctest::Approx(expected[k - 1]).epsilon(1e-4), "step ", k);
      loss.backward();
      clip_grad_norm(model->parameters(), std::stof(m.at("clip")));
      adam.set_lr(noam.at(static_cast<int64_t>(k)));
      adam.step();
    }
  }
}
