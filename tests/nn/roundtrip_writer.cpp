// Writes weights for the PyTorch round-trip test (tools/pytorch/check_roundtrip.py): a Transformer in a
// parity configuration with minitrans' own random weights, and the loss minitrans computes on
// the parity batch. Python then loads the weights into the reference model and must agree.
//   roundtrip_writer REFERENCE_DIR OUT_DIR
#include <cstdio>
#include <fstream>

#include "autograd/check.h"
#include "autograd/ops.h"
#include "autograd/random.h"
#include "nn/transformer.h"
#include "tests/parity_fixture.h"
#include "train/run/safetensors.h"

using namespace mt;

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: roundtrip_writer REFERENCE_DIR OUT_DIR\n");
    return 2;
  }
  try {
    for (const std::string config : {"postln", "preln"}) {
      Metadata m;
      const auto fixture = load_safetensors(std::string(argv[1]) + "/parity_" + config + ".safetensors", &m);
      const nn::TransformerOptions options = testing::parity_options(m);
      manual_seed(2024);
      nn::Transformer model(options);
      const Tensor logits = model.forward(testing::as_ids(fixture.at("src")), testing::as_ids(fixture.at("tgt_in")));
      const IntTensor gold = testing::as_ids(fixture.at("tgt_out"));
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
