// The Transformer configuration a parity fixture describes in its metadata (written by
// tools/pytorch/gen_parity.py), and its integer tensors; shared by tests/nn/test_parity.cpp and
// tests/nn/roundtrip_writer.cpp.
#pragma once

#include <string>

#include "nn/transformer.h"
#include "train/run/safetensors.h"

namespace mt::testing {

inline nn::TransformerOptions parity_options(const Metadata& m) {
  return {.src_vocab = std::stoi(m.at("src_vocab")), .tgt_vocab = std::stoi(m.at("tgt_vocab")),
          .layer = {.d_model = std::stoi(m.at("d_model")), .heads = std::stoi(m.at("heads")),
                    .ff_dim = std::stoi(m.at("ff_dim")), .dropout = 0.0f,
                    .activation = m.at("activation") == "gelu" ? nn::Activation::kGelu : nn::Activation::kRelu,
                    .norm_first = m.at("norm_first") == "True"},
          .encoder_layers = std::stoi(m.at("layers")), .decoder_layers = std::stoi(m.at("layers")),
          .tie_output = m.at("tie_output") == "True", .learned_positions = m.at("learned_positions") == "True",
          .max_positions = 64};
}

/// Token ids stored as floats in a fixture.
inline IntTensor as_ids(const Tensor& t) {
  std::vector<int32_t> ids;
  for (float v : t.to_vector()) ids.push_back(static_cast<int32_t>(v));
  return IntTensor(ids, t.shape());
}

}  // namespace mt::testing
