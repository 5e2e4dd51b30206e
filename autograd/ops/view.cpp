// Views and copies: view, reshape, transpose, permute, expand, contiguous, clone, slice.
// A view shares storage and only changes shape, strides and offset; its backward maps the
// gradient back to the input's shape. Read next: ops/binary.cpp.
#include <numeric>

#include "autograd/check.h"
#include "autograd/kernels/elementwise.h"
#include "autograd/node.h"
#include "autograd/ops.h"
#include "autograd/profiler.h"

namespace mt {
namespace {

// Replaces one -1 in `shape` by the size that keeps `count` elements.
Shape infer_shape(Shape shape, int64_t count, const char* op, const Shape& from) {
  int64_t known = 1, unknown = -1;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == -1) {
      MT_CHECK(unknown < 0, op, ": more than one -1 in shape ", shape);
      unknown = static_cast<int64_t>(i);
    } else {
      MT_CHECK(shape[i] >= 0, op, ": negative size in shape ", shape);
      known *= shape[i];
    }
  }
  if (unknown >= 0) {
    MT_CHECK(known > 0 && count % known == 0, op, ": cannot view ", from, " as ", shape);
    shape[unknown] = count / known;
  }
  MT_CHECK(numel(shape) == count, op, ": cannot view ", from, " (", count, " elements) as ", shape);
  return shape;
}

}  // namespace

Tensor view(const Tensor& x, const Shape& shape) {
  const Shape out_shape = infer_shape(shape, x.numel(), "view", x.shape());
  MT_CHECK(x.is_contiguous(), "view: tensor of shape ", x.shape(), " is not contiguous; use reshape");
  Tensor out(x.storage(), out_shape, contiguous_strides(out_shape), x.offset());
  // dx = dy seen with x's shape
  return record("view", out, {x}, [in_shape = x.shape()](const Tensor& dy) {
    return std::vector<Tensor>{view(dy, in_shape)};
  });
}

Tensor reshape(const Tensor& x, const Shape& shape) { return view(contiguous(x), shape); }

Tensor unflatten(const Tensor& x, int64_t dim, const Shape& sizes) {
  const int64_t d = normalize_dim(dim, x.dim(), "unflatten");
  MT_CHECK(!sizes.empty() && numel(sizes) == x.shape()[d], "unflatten: sizes ", sizes, " do not multiply to dim ", d,
           " of ", x.shape());
  Shape shape(x.shape().begin(), x.shape().begin() + d);
  Strides strides(x.strides().begin(), x.strides().begin() + d);
  const Strides inner = contiguous_strides(sizes);
  for (size_t i = 0; i < sizes.size(); ++i) {
    shape.push_back(sizes[i]);
    strides.push_back(inner[i] * x.strides()[d]);  // the split dim's stride, scaled
  }
  shape.insert(shape.end(), x.shape().begin() + d + 1, x.shape().end());
  strides.insert(strides.end(), x.strides().begin() + d + 1, x.strides().end());
  Tensor out(x.storage(), shape, strides, x.offset());
  // dx = dy seen with x's shape
  return record("unflatten", out, {x}, [in_shape = x.shape()](const Tensor& dy) {
    return std::vector<Tensor>{view(dy, in_shape)};
  });
}

Tensor permute(const Tensor& x, const std::vector<int64_t>& dims) {
  const int64_t rank = x.dim();
  MT_CHECK(static_cast<int64_t>(dims.size()) == rank, "permute: ", dims.size(), " dims given for a tensor of shape ",
           x.shape());
  Shape shape(rank);
  Strides strides(rank);
  std::vector<int64_t> inverse(rank, -1);
  for (int64_t i = 0; i < rank; ++i) {
    const int64_t d = normalize_dim(dims[i], rank, "permute");
    MT_CHECK(inverse[d] < 0, "permute: dim ", d, " repeated for a tensor of shape ", x.shape());
    inverse[d] = i;
    shape[i] = x.shape()[d];
    strides[i] = x.strides()[d];
  }
  Tensor out(x.storage(), shape, strides, x.offset());
  // dx = dy permuted back
  return record("permute", out, {x}, [inverse](const Tensor& dy) {
    return std::vector<Tensor>{permute(dy, inverse)};
  });
}

Tensor transpose(const Tensor& x, int64_t dim0, int64_t dim1) {
  std::vector<int64_t> dims(x.dim());
  std::iota(dims.begin(), dims.end(), 0);
  std::swap(dims[normalize_dim(dim0, x.dim(), "transpose")], dims[normalize_dim(dim1, x.dim(), "transpose")]);
  return permute(x, dims);
}

Tensor expand(const Tensor& x, const Shape& shape) {
  MT_CHECK(static_cast<size_t>(x.dim()) <= shape.size(), "expand: cannot expand ", x.shape(), " to ", shape);
  const size_t lead = shape.size() - x.dim();
  Strides strides(shape.size(), 0);
  for (size_t i = 0; i < static_cast<size_t>(x.dim()); ++i) {
    const int64_t from = x.shape()[i], to = shape[lead + i];
    MT_CHECK(from == to || from == 1, "expand: cannot expand ", x.shape(), " to ", shape);
    strides[lead + i] = from == to ? x.strides()[i] : 0;
  }
  if (shape == x.shape()) return x;
  Tensor out(x.storage(), shape, strides, x.offset());
  // dx = dy summed over the stretched dims
  return record("expand", out, {x}, [in_shape = x.shape()](const Tensor& dy) {
    return std::vector<Tensor>{sum_to(dy, in_shape)};
  });
}

Tensor clone(const Tensor& x) {
  MT_PROFILE("clone");
  Tensor out(x.shape());
  copy_strided(x, out);
  // dx = dy
  return record("clone", out, {x}, [](const Tensor& dy) { return std::vector<Tensor>{dy}; });
}

void copy_into(const Tensor& dst, const Tensor& src) {
  MT_CHECK(dst.shape() == src.shape(), "copy_into: destination ", dst.shape(), " and source ", src.shape(),
           " differ");
  copy_strided(src, dst);
}

Tensor contiguous(const Tensor& x) {
  if (x.is_contiguous()) return x;
  MT_PROFILE("contiguous (copy)");
  Tensor out(x.shape());
  copy_strided(x, out);
  // dx = dy (the engine hands backward functions contiguous gradients)
  return record("contiguous", out, {x}, [](const Tensor& dy) { return std::vector<Tensor>{dy}; });
}

Tensor slice(const Tensor& x, int64_t dim, int64_t start, int64_t end) {
  const int64_t d = normalize_dim(dim, x.dim(), "slice");
  const int64_t n = x.shape()[d];
  if (start < 0) start += n;
  if (end < 0) end += n;
  MT_CHECK(0 <= start && start <= end && end <= n, "slice: range [", start, ", ", end, ") out of bounds for dim ", d,
           " of shape ", x.shape());
  Shape shape = x.shape();
  shape[d] = end - start;
  Tensor out(x.storage(), shape, x.strides(), x.offset() + start * x.strides()[d]);
  // dx = zeros with dy written into the sliced range
  return record("slice", out, {x}, [in_shape = x.shape(), d, start, end](const Tensor& dy) {
    Tensor dx = zeros(in_shape);
    copy_strided(dy, slice(dx, d, start, end));
    return std::vector<Tensor>{dx};
  });
}

}  // namespace mt
