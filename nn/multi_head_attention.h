// MultiHeadAttention with torch.nn.MultiheadAttention's parameters (in_proj_weight [3D, D]
// holding W_q, W_k, W_v; out_proj), so weights load unchanged:
//   Q = x·W_qᵀ, K = m·W_kᵀ, V = m·W_vᵀ, split into H heads of Dh = D/H,
//   A = softmax(Q·Kᵀ/√Dh with masked scores set to -inf), out = (A·V merged)·W_oᵀ
// The attention itself is the fused op autograd/ops/attention.cpp: heads are strided views of
// the packed projections, not copies. Masks: a key-padding mask [B, S]
// (non-zero = padding) and/or a causal mask (query t never sees key t+1). A query whose keys
// are all masked gets zero attention and a finite output. Packed batches (padding.h): query and
// memory may be [N, D] rows of the real positions only; the projections then run on those
// rows alone, and the attention sees them laid out as [B, L, ·]. Read next: feed_forward.h.
#pragma once

#include <memory>

#include "nn/dropout.h"
#include "nn/linear.h"
#include "nn/module.h"

namespace mt::nn {

class MultiHeadAttention : public Module {
 public:
  MultiHeadAttention(int64_t dim, int64_t heads, float dropout = 0.0f);

  /// query: [B, T, D], memory: [B, S, D] (pass the same tensor for self-attention);
  /// key_padding: [B, S] or null; causal: mask keys after each query (needs T == S).
  /// If `weights` is given it receives the attention weights [B, H, T, S].
  /// Packed: query [N, D] holds the real positions of query_padding [B, T] (for
  /// self-attention, of key_padding), and memory may be [M, D] against key_padding; the
  /// result is then packed too, [N, D].
  Tensor forward(const Tensor& query, const Tensor& memory, const IntTensor* key_padding, bool causal,
                 Tensor* weights = nullptr, const IntTensor* query_padding = nullptr) const;

  /// x·W_partᵀ + b_part for parts [first, first + count) of {Q, K, V}, packed:
  /// x [B, L, D] -> [B, L, count·D].
  Tensor project(const Tensor& x, int64_t first, int64_t count) const;
  /// Attention over projections packed as project() makes them (q [B, T, D] or the fused
  /// [B, T, 3D] with kv undefined; kv [B, S, 2D]), then the output projection. Incremental
  /// decoding calls it with cached keys and values. With pack_by [B, T], the output
  /// projection runs on the real query positions only and returns them packed, [N, D].
  Tensor attend(const Tensor& q, const Tensor& kv, const IntTensor* key_padding, bool causal,
                Tensor* weights = nullptr, const IntTensor* pack_by = nullptr) const;

  const int64_t dim, heads, head_dim;
  Tensor in_proj_weight;  // [3D, D]: rows [0, D) W_q, [D, 2D) W_k, [2D, 3D) W_v
  Tensor in_proj_bias;    // [3D]
  std::shared_ptr<Linear> out_proj;
  std::shared_ptr<Dropout> attn_dropout;  // on the attention weights

 protected:
  std::string type_name() const override { return "MultiHeadAttention"; }
  std::string extra_repr() const override;

 private:
  Tensor forward_packed(const Tensor& query, const Tensor& memory, const IntTensor* key_padding, bool causal,
                        Tensor* weights, const IntTensor* query_padding) const;
};

}  // namespace mt::nn
