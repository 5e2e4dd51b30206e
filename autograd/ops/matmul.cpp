// matmul: [..., M, K] x [..., K, N] -> [..., M, N] through the cached oneDNN kernel.
// Transposes are strided views handed to oneDNN as strides, so QKᵀ and the backward
// products never copy. A [B, T, D] x [D, F] product (every Linear) runs as one 2-D GEMM.
// Read next: softmax.cpp.
#include "autograd/check.h"
#include "autograd/kernels/matmul.h"
#include "autograd/node.h"
#include "autograd/ops.h"
#include "autograd/profiler.h"

namespace mt {
namespace {

Shape batch_of(const Tensor& x) { return Shape(x.shape().begin(), x.shape().end() - 2); }

}  // namespace

Tensor matmul(const Tensor& a, const Tensor& b, bool transpose_a, bool transpose_b) {
  MT_PROFILE("matmul");
  MT_CHECK(a.dim() >= 2 && b.dim() >= 2, "matmul: operands need at least 2 dims, got ", a.shape(), " and ",
           b.shape());
  const Tensor ae = transpose_a ? transpose(a.detach(), -2, -1) : a.detach();  // [..., M, K]
  const Tensor be = transpose_b ? transpose(b.detach(), -2, -1) : b.detach();  // [..., K, N]
  const int64_t m = ae.size(-2), k = ae.size(-1), n = be.size(-1);
  MT_CHECK(be.size(-2) == k, "matmul: inner dims differ: ", a.shape(), transpose_a ? "ᵀ" : "", " x ", b.shape(),
           transpose_b ? "ᵀ" : "");

  // [..., M, K] x [K, N]: fold the batch into M and run one 2-D product.
  if (!transpose_a && b.dim() == 2 && a.dim() > 2 && a.is_contiguous()) {
    Shape out_shape = a.shape();
    out_shape.back() = n;
    return view(matmul(view(a, {-1, k}), b, false, transpose_b), out_shape);
  }

  const Shape batch_a = batch_of(ae), batch_b = batch_of(be);
  for (size_t i = 1; i <= std::min(batch_a.size(), batch_b.size()); ++i) {
    const int64_t da = batch_a[batch_a.size() - i], db = batch_b[batch_b.size() - i];
    MT_CHECK(da == db || da == 1 || db == 1, "matmul: batch dims of ", a.shape(), " and ", b.shape(),
             " do not broadcast");
  }
  Shape out_shape = broadcast_shapes(batch_a, batch_b, "matmul");
  out_shape.push_back(m);
  out_shape.push_back(n);
  Tensor out(out_shape);
  matmul_kernel(matmul_operand(ae, out_shape.size()), matmul_operand(be, out_shape.size()), out.data());

  // lesson 2 begin: the record of the product, with its backward
  // dA = dY·Bᵀ, dB = Aᵀ·dY (in the stored layouts when a flag is set: dA = B·dYᵀ, dB = dYᵀ·A),
  // then summed over batch dims that were broadcast.
  return record("matmul", out, {a, b}, [a, b, transpose_a, transpose_b](const Tensor& dy) {
    Tensor da, db;
    if (a.requires_grad()) {
      da = transpose_a ? matmul(b.detach(), dy, transpose_b, true) : matmul(dy, b.detach(), false, !transpose_b);
      da = sum_to(da, a.shape());
    }
    if (b.requires_grad()) {
      db = transpose_b ? matmul(dy, a.detach(), true, transpose_a) : matmul(a.detach(), dy, !transpose_a, false);
      db = sum_to(db, b.shape());
    }
    return std::vector<Tensor>{da, db};
  });
  // lesson 2 end
}

}  // namespace mt
