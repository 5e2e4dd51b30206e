// linear: x·wᵀ + b (torch.nn.functional.linear), one oneDNN product with the bias added inside
// it, so the result is written once. The batch dims of x fold into the rows of one 2-D product.
// In bf16 (precision.h) the input, the weight and the output gradient are each rounded once and
// the copies shared by the products that read them.
// Its composite twin (matmul, then add) is checked against it in tests/autograd/test_linear.cpp.
// Read next: attention.cpp.
#include "autograd/check.h"
#include "autograd/kernels/matmul.h"
#include "autograd/node.h"
#include "autograd/ops.h"
#include "autograd/profiler.h"

namespace mt {

Tensor linear(const Tensor& x, const Tensor& w, const Tensor& b) {
  MT_PROFILE("linear");
  MT_CHECK(w.dim() == 2 && x.dim() >= 1 && x.size(-1) == w.size(1), "linear: input ", x.shape(),
           " does not fit weight ", w.shape(), " (expected [..., ", (w.dim() == 2 ? w.size(1) : -1), "])");
  MT_CHECK(!b.defined() || b.shape() == Shape{w.size(0)}, "linear: bias ", b.shape(), " does not fit weight ",
           w.shape());
  const int64_t k = w.size(1), n = w.size(0), rows = x.numel() / std::max<int64_t>(k, 1);
  const Tensor xc = contiguous(x.detach());
  const Tensor wc = w.strides().back() == 1 ? w.detach() : contiguous(w.detach());  // row slices stay views
  const Tensor bc = b.defined() ? contiguous(b.detach()) : Tensor();
  const Tensor x2(xc.storage(), {rows, k}, {k, 1}, xc.offset());  // [N_rows, K]
  Shape out_shape = x.shape();
  out_shape.back() = n;
  Tensor out(out_shape);
  const bool bf16 = matmul_precision() == Precision::kBf16;
  const Bf16Copy x_bf16 = bf16 ? Bf16Copy(x2) : Bf16Copy(), w_bf16 = bf16 ? Bf16Copy(wc) : Bf16Copy();
  matmul_kernel(matmul_operand(x2, 2, false, x_bf16), matmul_operand(wc, 2, /*transpose=*/true, w_bf16), out.data(),
                contiguous_strides({rows, n}), bc.defined() ? bc.data() : nullptr);

  // dx = dy·w,  dw = dyᵀ·x,  db = Σ_rows dy
  return record("linear", out, {x, w, b}, [x, w, b, x2, wc, x_bf16, w_bf16, rows, n, k](const Tensor& dy) {
    const Tensor dy2 = contiguous(view(dy, {rows, n}));  // [N_rows, N]
    const bool shared = x_bf16.data() && x.requires_grad() && w.requires_grad();  // dy read by both products
    const Bf16Copy dy_bf16 = shared ? Bf16Copy(dy2) : Bf16Copy();
    Tensor dx, dw, db;
    if (x.requires_grad()) {
      dx = Tensor(x.shape());
      matmul_kernel(matmul_operand(dy2, 2, false, dy_bf16), matmul_operand(wc, 2, false, w_bf16), dx.data(),
                    contiguous_strides({rows, k}));
    }
    if (w.requires_grad()) {
      dw = Tensor({n, k});
      matmul_kernel(matmul_operand(dy2, 2, /*transpose=*/true, dy_bf16), matmul_operand(x2, 2, false, x_bf16),
                    dw.data(), contiguous_strides({n, k}));
    }
    if (b.defined() && b.requires_grad()) db = sum(dy2, {0});
    return std::vector<Tensor>{dx, dw, db};
  });
}

}  // namespace mt
