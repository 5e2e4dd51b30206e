// MultiHeadAttention with torch.nn.MultiheadAttention's parameters (in_proj_weight [3D, D]
// holding W_q, W_k, W_v; out_proj), so weights load unchanged:
//   Q = x·W_qᵀ, K = m·W_kᵀ, V = m·W_vᵀ, split into H heads of Dh = D/H,
//   A = softmax(Q·Kᵀ/√Dh with masked scores set to -inf), out = (A·V merged)·W_oᵀ
// Inputs are rows [N, D] of a SequenceLayout (sequence_layout.h): the projections run on the
// rows, the attention itself on the rows laid out as [B, L, ·], and the output projection on
// the rows again. The attention is the fused op (autograd/ops/attention.cpp, heads as strided
// views, not copies) or its composed twin, as model.attention says. Masks: padding keys of the
// key layout, and/or a causal mask (query t never sees key t+1). A query whose keys are all
// masked gets zero attention and a finite output. Read next: feed_forward.h.
#pragma once

#include <memory>

#include "nn/dropout.h"
#include "nn/layer_options.h"
#include "nn/linear.h"
#include "nn/module.h"
#include "nn/sequence_layout.h"

namespace mt::nn {

/// How a self-attention call runs: causal (a position never attends to a later one), and
/// where the attention weights [B, H, L, L] go, if anywhere.
struct SelfAttentionOptions {
  bool causal = false;
  Tensor* weights = nullptr;
};

/// Which keys a query may not see: those marked in key_padding [B, S] (null: none), and with
/// causal, those after its own position.
struct AttentionMasks {
  const IntTensor* key_padding = nullptr;
  bool causal = false;
};

class MultiHeadAttention : public Module {
 public:
  MultiHeadAttention(int64_t dim, int64_t heads, float dropout = 0.0f, AttentionImpl impl = AttentionImpl::kFused);

  /// x: [N, D], the rows of `layout`, attending to each other -> [N, D]:
  ///   self_attention(x, layout, {.causal = true})
  Tensor self_attention(const Tensor& x, const SequenceLayout& layout, const SelfAttentionOptions& options = {}) const;
  /// x: [N, D], the rows of `queries`, attending to memory [M, D], the rows of `keys` -> [N, D].
  Tensor cross_attention(const Tensor& x, const SequenceLayout& queries, const Tensor& memory,
                         const SequenceLayout& keys, Tensor* weights = nullptr) const;

  /// The input projections x·Wᵀ + b by part: Q, K and V of x in one product [N, D] -> [N, 3D];
  /// Q alone [N, D] -> [N, D]; K and V of the memory [M, D] -> [M, 2D].
  Tensor project_qkv(const Tensor& x) const;
  Tensor project_q(const Tensor& x) const;
  Tensor project_kv(const Tensor& memory) const;

  /// Queries q [B, T, D] attend to keys and values kv [B, S, 2D] (both laid out as blocks), then
  /// the output projection on the rows of `queries` -> [N, D]. Incremental decoding calls it with
  /// its cached keys and values.
  Tensor attend(const Tensor& q, const Tensor& kv, const SequenceLayout& queries, const AttentionMasks& masks,
                Tensor* weights = nullptr) const;

  const int64_t dim, heads, head_dim;
  const AttentionImpl impl;
  Tensor in_proj_weight;  // [3D, D]: rows [0, D) W_q, [D, 2D) W_k, [2D, 3D) W_v
  Tensor in_proj_bias;    // [3D]
  std::shared_ptr<Linear> out_proj;
  std::shared_ptr<Dropout> attn_dropout;  // on the attention weights

 protected:
  std::string type_name() const override { return "MultiHeadAttention"; }
  std::string extra_repr() const override;

 private:
  // Runs `op` (the attention op, given its options) under `masks`, then the output projection;
  // an observer sees the weights.
  template <typename Op>
  Tensor run(const Op& op, const SequenceLayout& queries, const AttentionMasks& masks, Tensor* weights) const;
};

}  // namespace mt::nn
