// Writes weights for the PyTorch round-trip test (tools/check_roundtrip.py): a Transformer in a
// parity configuration with minitrans' own random weights, and the loss minitrans computes on
// the parity batch. Python then loads the weights into the reference model and must agree.
//   roundtrip_writer REFERENCE_DIR OUT_DIR
#include <cstdio>
#include <fstream>

#include "autograd/check.h"
#include "autograd/ops.h"
#include "autograd/random.h"
#include "nn/transformer.h"
#include "train/safetensors.h"

using namespace mt;

namespace {
IntTensor as_ids(const Tensor& t) {
  std::vector<int32_t> ids;
  for (float v : t.to_vector()) ids.push_back(static_cast<int32_t>(v));
  return IntTensor(ids, t.shape());
}
}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: roundtrip_writer REFERENCE_DIR OUT_DIR\n");
    return 2;
  }
  try {
    for (const std::string config : {"postln", "preln"}) {
      Metadata m;
      const auto fixture = load_safetensors(std::string(argv[1]) + "/parity_" + config + ".safetensors", &m);
      const nn::TransformerOptions options{
          .src_vocab = std::stoi(m.at("src_vocab")), .tgt_vocab = std::stoi(m.at("tgt_vocab")),
          .d_model = std::stoi(m.at("d_model")), .heads = std::stoi(m.at("heads")),
          .encoder_layers = std::stoi(m.at("layers")), .decoder_layers = std::stoi(m.at("layers")),
          .ff_dim = std::stoi(m.at("ff_dim")), .dropout = 0.0f,
          .activation = m.at("activation") == "gelu" ? nn::Activation::kGelu : nn::Activation::kRelu,
          .norm_first = m.at("norm_first") == "True", .tie_output = m.at("tie_output") == "True",
          .learned_positions = m.at("learned_positions") == "True", .max_len = 64};
      manual_seed(2024);
      nn::Transformer model(options);
      const Tensor logits = model.forward(as_ids(fixture.at("src")), as_ids(fixture.at("tgt_in")));
      const IntTensor gold = as_ids(fixture.at("tgt_out"));
      const Tensor loss = cross_entropy(reshape(logits, {-1, logits.size(-1)}), IntTensor(gold.values, {gold.numel()}), 0);
      const std::string out = std::string(argv[2]) + "/roundtrip_" + config;
      save_weights(model, out + ".safetensors");
      std::ofstream(out + ".loss") << std::to_string(loss.item()) << "\n";
      std::printf("%s: wrote %s.safetensors, loss %.6f\n", config.c_str(), out.c_str(), loss.item());
    }
  } catch (const Error& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}
