// concat and split along a dim. concat copies each input into its slice of the result;
// split returns slices (views). Read next: reduce.cpp.
#include "autograd/check.h"
#include "autograd/kernels/elementwise.h"
#include "autograd/node.h"
#include "autograd/ops.h"
#include "autograd/profiler.h"

namespace mt {

Tensor concat(const std::vector<Tensor>& xs, int64_t dim) {
  MT_PROFILE("concat");
  MT_CHECK(!xs.empty(), "concat: no tensors given");
  const int64_t d = normalize_dim(dim, xs[0].dim(), "concat");
  Shape shape = xs[0].shape();
  shape[d] = 0;
  for (const Tensor& x : xs) {
    Shape expected = xs[0].shape();
    expected[d] = x.dim() == xs[0].dim() ? x.shape()[d] : -1;
    MT_CHECK(x.shape() == expected, "concat: shape ", x.shape(), " does not match ", xs[0].shape(),
             " outside dim ", d);
    shape[d] += x.shape()[d];
  }
  Tensor out(shape);
  std::vector<int64_t> sizes;
  int64_t at = 0;
  for (const Tensor& x : xs) {
    copy_strided(x, slice(out.detach(), d, at, at + x.shape()[d]));
    at += x.shape()[d];
    sizes.push_back(x.shape()[d]);
  }
  // dxs = the matching slices of dy
  return record("concat", out, xs, [sizes, d](const Tensor& dy) { return split(dy, sizes, d); });
}

std::vector<Tensor> split(const Tensor& x, const std::vector<int64_t>& sizes, int64_t dim) {
  const int64_t d = normalize_dim(dim, x.dim(), "split");
  int64_t total = 0;
  for (int64_t s : sizes) {
    MT_CHECK(s >= 0, "split: negative size ", s);
    total += s;
  }
  MT_CHECK(total == x.shape()[d], "split: sizes add up to ", total, " but dim ", d, " of ", x.shape(), " has ",
           x.shape()[d]);
  std::vector<Tensor> pieces;
  int64_t at = 0;
  for (int64_t s : sizes) {
    pieces.push_back(slice(x, d, at, at + s));
    at += s;
  }
  return pieces;
}

std::vector<Tensor> split(const Tensor& x, int64_t size, int64_t dim) {
  MT_CHECK(size > 0, "split: piece size must be positive, got ", size);
  const int64_t n = x.size(dim);
  std::vector<int64_t> sizes;
  for (int64_t at = 0; at < n; at += size) sizes.push_back(std::min(size, n - at));
  return split(x, sizes, dim);
}

}  // namespace mt
