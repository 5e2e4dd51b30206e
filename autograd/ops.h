// The op catalogue: every differentiable operation, one line each on shapes and meaning.
// Each op lives in ops/<file>.cpp with its forward kernel call, what it saves, and its
// backward. Shapes use the letters of docs/development.md: B batch, T/S lengths, D width, V vocab.
#pragma once

#include <vector>

#include "autograd/tensor.h"

namespace mt {

// ---- element-wise with broadcasting (ops/binary.cpp) ----------------------------------------
/// a + b, shapes broadcast as in PyTorch.
Tensor add(const Tensor& a, const Tensor& b);
/// a - b, broadcasting.
Tensor sub(const Tensor& a, const Tensor& b);
/// a * b (element-wise), broadcasting.
Tensor mul(const Tensor& a, const Tensor& b);
/// a / b (element-wise), broadcasting.
Tensor div(const Tensor& a, const Tensor& b);
/// Scalar forms: a constant broadcast against the tensor.
Tensor add(const Tensor& a, float b);
Tensor sub(const Tensor& a, float b);
Tensor mul(const Tensor& a, float b);
Tensor div(const Tensor& a, float b);

// ---- element-wise functions (ops/unary.cpp) -------------------------------------------------
/// -x
Tensor neg(const Tensor& x);
/// e^x
Tensor exp(const Tensor& x);
/// Natural logarithm.
Tensor log(const Tensor& x);
/// Square root.
Tensor sqrt(const Tensor& x);
/// x^p for a constant exponent p.
Tensor pow(const Tensor& x, float p);
/// Hyperbolic tangent.
Tensor tanh(const Tensor& x);
/// max(x, 0); the gradient at 0 is 0, as in PyTorch.
Tensor relu(const Tensor& x);
/// x·Φ(x) with the exact normal CDF (PyTorch's default GELU).
Tensor gelu(const Tensor& x);

// ---- matrix products (ops/matmul.cpp, ops/linear.cpp; kernel in kernels/matmul.cpp) --------------------------
/// [..., M, K] x [..., K, N] -> [..., M, N]; batch dims broadcast. transpose_a/b use the
/// operand's last two dims swapped, without copying (QKᵀ is matmul(q, k, false, true)).
Tensor matmul(const Tensor& a, const Tensor& b, bool transpose_a = false, bool transpose_b = false);

/// x·wᵀ + b for x [..., K], w [N, K], b [N] (or undefined): a Linear layer, the bias added
/// inside the product (torch.nn.functional.linear).
Tensor linear(const Tensor& x, const Tensor& w, const Tensor& b = Tensor());

// ---- views and copies (ops/view.cpp) --------------------------------------------------------
/// Same values with a new shape, sharing storage; x must be contiguous. One dim may be -1.
Tensor view(const Tensor& x, const Shape& shape);
/// Splits dim `dim` into `sizes` (their product must equal it). Always a view, whatever x's
/// strides: [B, T, D] -> [B, T, H, Dh] for attention heads, even on a slice of a fused QKV.
Tensor unflatten(const Tensor& x, int64_t dim, const Shape& sizes);
/// Like view, copying first if x is not contiguous.
Tensor reshape(const Tensor& x, const Shape& shape);
/// Swaps two dims (a strided view, no copy).
Tensor transpose(const Tensor& x, int64_t dim0, int64_t dim1);
/// Reorders dims: result dim i is x's dim dims[i] (a strided view, no copy).
Tensor permute(const Tensor& x, const std::vector<int64_t>& dims);
/// Stretches size-1 dims (and adds leading ones) to `shape` (a view with zero strides).
Tensor expand(const Tensor& x, const Shape& shape);
/// x itself if contiguous, else a row-major copy.
Tensor contiguous(const Tensor& x);
/// A row-major copy that owns its storage.
Tensor clone(const Tensor& x);
/// Writes src's values into dst (same shape, any strides), outside the tape: filling a cache
/// or loading weights into a parameter in place.
void copy_into(const Tensor& dst, const Tensor& src);
/// Elements [start, end) of dimension `dim` (a view; negative indices count from the end).
Tensor slice(const Tensor& x, int64_t dim, int64_t start, int64_t end);

// ---- joining and splitting (ops/concat.cpp) -------------------------------------------------
/// Joins tensors along `dim`; all other dims must match.
Tensor concat(const std::vector<Tensor>& xs, int64_t dim);
/// Splits along `dim` into pieces of the given sizes (views), which must add up to the dim.
std::vector<Tensor> split(const Tensor& x, const std::vector<int64_t>& sizes, int64_t dim);
/// Splits along `dim` into pieces of `size` (the last may be smaller).
std::vector<Tensor> split(const Tensor& x, int64_t size, int64_t dim);

// ---- reductions (ops/reduce.cpp) ------------------------------------------------------------
/// Sum of all elements, as a tensor of shape [].
Tensor sum(const Tensor& x);
/// Sum over `dims`; kept as size-1 dims if keepdim.
Tensor sum(const Tensor& x, const std::vector<int64_t>& dims, bool keepdim = false);
/// Mean of all elements, shape [].
Tensor mean(const Tensor& x);
/// Mean over `dims`.
Tensor mean(const Tensor& x, const std::vector<int64_t>& dims, bool keepdim = false);
/// Largest value along `dim`; the gradient goes to the first maximal element.
Tensor max(const Tensor& x, int64_t dim, bool keepdim = false);
/// Index of the first largest value along `dim` (no gradient).
IntTensor argmax(const Tensor& x, int64_t dim);
/// Sums `g` down to `shape` (undoing a broadcast): the backward of every broadcasting op.
Tensor sum_to(const Tensor& g, const Shape& shape);

// ---- row-wise over the last dim (ops/softmax.cpp) -------------------------------------------
/// exp(x - max) / sum(exp(x - max)) over the last dim; a row that is all -inf (fully masked)
/// gives zeros instead of PyTorch's NaN.
Tensor softmax(const Tensor& x);
/// x - max - log(sum(exp(x - max))) over the last dim.
Tensor log_softmax(const Tensor& x);
/// The same two, composed of max, exp, sum and log (ops/softmax_reference.cpp).
Tensor softmax_reference(const Tensor& x);
Tensor log_softmax_reference(const Tensor& x);

// ---- masking (ops/masked_fill.cpp) ----------------------------------------------------------
/// x with `value` where mask is non-zero; mask broadcasts to x ([B, 1, 1, S] over [B, H, T, S]).
Tensor masked_fill(const Tensor& x, const IntTensor& mask, float value);

// ---- attention (ops/attention.cpp, ops/attention_reference.cpp) ----------------------------
/// What an attention call hides, drops and reports, named at the call site:
///   self_attention(qkv, {.heads = 4, .key_padding = &pad, .causal = true})
struct AttentionOptions {
  int64_t heads = 1;
  const IntTensor* key_padding = nullptr;  // [B, S], non-zero = a padding key, hidden; null: none
  bool causal = false;                     // hide the keys after each query (T == S)
  float dropout = 0.0f;                    // on the attention weights, while training
  bool training = false;
  Tensor* weights = nullptr;               // if given, receives the weights [B, H, T, S] before dropout
};
/// Multi-head scaled dot-product attention, fused: softmax(Q·Kᵀ/√Dh with hidden keys left out),
/// dropout, ·V, heads merged. Queries q: [B, T, H·Dh] attend to keys and values kv:
/// [B, S, 2·H·Dh] (K, then V). A query whose keys are all hidden gets zero weights.
/// Returns [B, T, H·Dh].
Tensor attention(const Tensor& q, const Tensor& kv, const AttentionOptions& options);
/// The same attention of a sequence to itself, from one fused projection qkv: [B, T, 3·H·Dh]
/// (Q, K, then V side by side, as one product makes them) -> [B, T, H·Dh].
Tensor self_attention(const Tensor& qkv, const AttentionOptions& options);
/// The same two, composed of split, matmul, masked_fill, softmax and dropout
/// (ops/attention_reference.cpp): same arguments, same results, same random draws.
Tensor attention_reference(const Tensor& q, const Tensor& kv, const AttentionOptions& options);
Tensor self_attention_reference(const Tensor& qkv, const AttentionOptions& options);

// ---- lookup (ops/embedding.cpp) -------------------------------------------------------------
/// weight [V, D], ids [...] -> [..., D]. Rows with id == padding_idx get no gradient
/// (pass -1 for none).
Tensor embedding(const Tensor& weight, const IntTensor& ids, int64_t padding_idx = -1);

// ---- packing rows (ops/rows.cpp) -------------------------------------------------------------
/// x [M, D] -> [N, D]: row i is x's row rows[i]. Rows must be distinct (each is read once).
Tensor gather_rows(const Tensor& x, const IntTensor& rows);
/// x [N, D] -> [total, D]: x's row i lands in row rows[i], every other row is zero; rows
/// distinct. gather_rows(scatter_rows(x, rows, M), rows) == x.
Tensor scatter_rows(const Tensor& x, const IntTensor& rows, int64_t total);

// ---- regularization (ops/dropout.cpp) -------------------------------------------------------
/// In training, zeroes each element with probability p and scales the rest by 1/(1-p);
/// identity in evaluation.
Tensor dropout(const Tensor& x, float p, bool training);
/// residual + dropout(x, p, training) in one pass, with the same random draws as dropout(x):
/// the "x + dropout(sublayer(x))" of every Transformer layer. Shapes must be equal.
Tensor residual_dropout(const Tensor& residual, const Tensor& x, float p, bool training);

// ---- normalization (ops/layer_norm.cpp) -----------------------------------------------------
/// Normalizes over the last dim (size D) then scales by weight [D] and shifts by bias [D].
Tensor layer_norm(const Tensor& x, const Tensor& weight, const Tensor& bias, float eps = 1e-5f);
/// The same, composed of mean, sub, mul, sqrt and div (ops/layer_norm_reference.cpp).
Tensor layer_norm_reference(const Tensor& x, const Tensor& weight, const Tensor& bias, float eps = 1e-5f);

// ---- loss (ops/cross_entropy.cpp) -----------------------------------------------------------
/// logits [N, V], targets [N] -> mean over targets != ignore_index of -log softmax(logits)[t],
/// with PyTorch's label smoothing (eps spread uniformly over V classes). With no target left,
/// the loss is 0 (PyTorch gives NaN). `counted`, if given, receives the denominator: the number
/// of targets kept. A `divisor` > 0 replaces that count as the denominator: the target count of
/// a whole batch cut into micro-batches, so their losses add up to the batch's mean.
Tensor cross_entropy(const Tensor& logits, const IntTensor& targets, int64_t ignore_index = -100,
                     float label_smoothing = 0.0f, int64_t* counted = nullptr, int64_t divisor = 0);
/// The same mean (no counted, no divisor), composed of log_softmax_reference and a weighted sum
/// (ops/softmax_reference.cpp).
Tensor cross_entropy_reference(const Tensor& logits, const IntTensor& targets, int64_t ignore_index = -100,
                               float label_smoothing = 0.0f);

// ---- operators ------------------------------------------------------------------------------
inline Tensor operator+(const Tensor& a, const Tensor& b) { return add(a, b); }
inline Tensor operator-(const Tensor& a, const Tensor& b) { return sub(a, b); }
inline Tensor operator*(const Tensor& a, const Tensor& b) { return mul(a, b); }
inline Tensor operator/(const Tensor& a, const Tensor& b) { return div(a, b); }
inline Tensor operator+(const Tensor& a, float b) { return add(a, b); }
inline Tensor operator-(const Tensor& a, float b) { return sub(a, b); }
inline Tensor operator*(const Tensor& a, float b) { return mul(a, b); }
inline Tensor operator/(const Tensor& a, float b) { return div(a, b); }
inline Tensor operator+(float a, const Tensor& b) { return add(b, a); }
inline Tensor operator*(float a, const Tensor& b) { return mul(b, a); }
inline Tensor operator-(float a, const Tensor& b) { return add(neg(b), a); }
inline Tensor operator-(const Tensor& x) { return neg(x); }

}  // namespace mt
