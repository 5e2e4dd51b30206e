// What an encoder or decoder layer is built from: sizes, and the parts chosen by name or kind
// (config keys model.*). The model's options (transformer.h) embed one LayerOptions, which the
// config binds directly, so a setting travels from the file to a layer without being copied
// into other structs on the way. Read next: registry.h.
#pragma once

#include <cstdint>
#include <string>

namespace mt::nn {

enum class Activation { kRelu, kGelu };

/// Which attention op a model runs: the fused one, or the composed reference (to read, step
/// through and gradcheck; the same values and gradients, slower).
enum class AttentionImpl { kFused, kReference };

struct LayerOptions {
  int64_t d_model = 64;
  int64_t heads = 4;
  int64_t ff_dim = 256;
  float dropout = 0.1f;  // on the residual paths (and the embeddings: transformer.h)
  // On the attention weights and on the feed-forward's activation; below 0 (the default), the
  // rate of `dropout`, as torch.nn.Transformer has one rate for all. fairseq and Marian set them
  // apart, so that the residual paths can take more dropout than the rest.
  float attention_dropout = -1.0f;
  float activation_dropout = -1.0f;
  float attention_rate() const { return attention_dropout < 0.0f ? dropout : attention_dropout; }
  float activation_rate() const { return activation_dropout < 0.0f ? dropout : activation_dropout; }
  Activation activation = Activation::kRelu;
  AttentionImpl attention = AttentionImpl::kFused;
  std::string feed_forward = "standard";  // a name given to register_feed_forward (feed_forward.h)
  std::string norm = "layer_norm";        // a name given to register_norm (layer_norm.h)
  bool norm_first = false;                // pre-LN
  float eps = 1e-5f;
};

}  // namespace mt::nn
