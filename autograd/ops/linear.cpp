// linear: x·wᵀ + b (torch.nn.functional.linear), one oneDNN product with the bias added inside
// it, so the result is written once. The batch dims of x fold into the rows of one 2-D product.
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
  matmul_kernel(matmul_operand(x2, 2), matmul_operand(wc, 2, /*transpose=*/true), out.data(),
                contiguous_strides({rows, n}), bc.defined() ? bc.data() : nullptr);

  // dx = dy·w,  dw = dyᵀ·x,  db = Σ_rows dy
  return record("linear", out, {x, w, b}, [x, w, b, x2, wc, rows, n](const Tensor& dy) {
    const Tensor dy2 = view(dy, {rows, n});
    Tensor dx, dw, db;
    if (x.requires_grad()) dx = view(matmul(dy2, wc), x.shape());
    if (w.requires_grad()) dw = matmul(dy2, x2, true, false);
    if (b.defined() && b.requires_grad()) db = sum(dy2, {0});
    return std::vector<Tensor>{dx, dw, db};
  });
}

}  // namespace mt
