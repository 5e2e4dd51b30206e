// Tensor storage, handles and constructors; see tensor.h. Ops live in ops/, backward in
// engine.cpp.
#include "autograd/tensor.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <numbers>

#include "autograd/check.h"
#include "autograd/kernels/allocator.h"
#include "autograd/parallel.h"
#include "autograd/node.h"
#include "autograd/ops.h"
#include "autograd/random.h"

namespace mt {

struct TensorImpl {
  Shape shape;
  Strides strides;
  int64_t offset = 0;
  std::shared_ptr<Storage> storage;
  bool requires_grad = false;  // set on leaves (parameters) only
  Tensor grad;
  std::shared_ptr<Node> grad_fn;
};

// Blocks come from the tensor memory cache (kernels/allocator.h): 64-byte aligned for AVX-512.
Storage::Storage(int64_t n) : size(n) {
  data = static_cast<float*>(cache_allocate(static_cast<size_t>(std::max<int64_t>(n, 1)) * sizeof(float)));
}

Storage::~Storage() { cache_release(data, static_cast<size_t>(std::max<int64_t>(size, 1)) * sizeof(float)); }

namespace {

// The storage of a new tensor; running out of memory names the shape and the bytes.
std::shared_ptr<Storage> storage_for(const Shape& shape) {
  int64_t n = 1;
  for (int64_t d : shape) {
    MT_CHECK(d >= 0, "tensor: negative size in shape ", shape);
    MT_CHECK(!__builtin_mul_overflow(n, d, &n) && n <= INT64_MAX / 4, "tensor: shape ", shape,
             " has more elements than memory can address");
  }
  try {
    return std::make_shared<Storage>(n);
  } catch (const std::bad_alloc&) {
    char size[32];
    std::snprintf(size, sizeof(size), "%.3g GB", static_cast<double>(n) * sizeof(float) / 1e9);
    throw Error(str("out of memory: a tensor of shape ", shape, " needs ", static_cast<uint64_t>(n) * sizeof(float),
                    " bytes (", size, ")"));
  }
}

}  // namespace

// The strides are computed after storage_for has checked the shape (arguments have no order).
Tensor::Tensor(const Shape& shape) : Tensor(storage_for(shape), shape, Strides(), 0) {
  impl_->strides = contiguous_strides(shape);
}

Tensor::Tensor(std::shared_ptr<Storage> storage, Shape shape, Strides strides, int64_t offset)
    : impl_(std::make_shared<TensorImpl>()) {
  impl_->shape = std::move(shape);
  impl_->strides = std::move(strides);
  impl_->offset = offset;
  impl_->storage = std::move(storage);
}

TensorImpl& Tensor::impl() const {
  MT_CHECK(impl_ != nullptr, "tensor: use of an undefined tensor");
  return *impl_;
}

const Shape& Tensor::shape() const { return impl().shape; }
const Strides& Tensor::strides() const { return impl().strides; }
int64_t Tensor::offset() const { return impl().offset; }
int64_t Tensor::numel() const { return mt::numel(shape()); }
const std::shared_ptr<Storage>& Tensor::storage() const { return impl().storage; }
float* Tensor::data() const { return impl().storage->data + impl().offset; }

int64_t Tensor::size(int64_t d) const { return shape()[normalize_dim(d, dim(), "size")]; }

bool Tensor::is_contiguous() const {
  // Size-1 dims may carry any stride; every other dim must have its row-major stride.
  int64_t expected = 1;
  for (int64_t i = dim(); i-- > 0;) {
    if (shape()[i] == 1) continue;
    if (strides()[i] != expected) return false;
    expected *= shape()[i];
  }
  return true;
}

float Tensor::item() const {
  MT_CHECK(numel() == 1, "item: expected a one-element tensor, got shape ", shape());
  return *data();
}

std::vector<float> Tensor::to_vector() const {
  const Tensor c = detach().contiguous();
  return std::vector<float>(c.data(), c.data() + c.numel());
}

bool Tensor::requires_grad() const { return impl().requires_grad || impl().grad_fn != nullptr; }

Tensor& Tensor::requires_grad_(bool on) {
  MT_CHECK(impl().grad_fn == nullptr, "requires_grad_: only leaf tensors can be marked; this one was made by '",
           impl().grad_fn->name, "'");
  impl().requires_grad = on;
  return *this;
}

const Tensor& Tensor::grad() const { return impl().grad; }
void Tensor::set_grad(Tensor grad) const { impl().grad = std::move(grad); }
void Tensor::zero_grad() const { impl().grad = Tensor(); }
const std::shared_ptr<Node>& Tensor::grad_fn() const { return impl().grad_fn; }
void Tensor::set_grad_fn(std::shared_ptr<Node> node) const { impl().grad_fn = std::move(node); }

Tensor Tensor::detach() const {
  return Tensor(impl().storage, impl().shape, impl().strides, impl().offset);
}

Tensor Tensor::reshape(const Shape& s) const { return mt::reshape(*this, s); }
Tensor Tensor::view(const Shape& s) const { return mt::view(*this, s); }
Tensor Tensor::transpose(int64_t d0, int64_t d1) const { return mt::transpose(*this, d0, d1); }
Tensor Tensor::permute(const std::vector<int64_t>& dims) const { return mt::permute(*this, dims); }
Tensor Tensor::contiguous() const { return mt::contiguous(*this); }
Tensor Tensor::sum() const { return mt::sum(*this); }
Tensor Tensor::mean() const { return mt::mean(*this); }

IntTensor::IntTensor(std::vector<int32_t> v, Shape s) : values(std::move(v)), shape(std::move(s)) {
  MT_CHECK(static_cast<int64_t>(values.size()) == mt::numel(shape), "IntTensor: ", values.size(),
           " values do not fill shape ", shape);
}

// ---- constructors ---------------------------------------------------------------------------

Tensor empty(const Shape& shape) { return Tensor(shape); }

Tensor full(const Shape& shape, float value, bool requires_grad) {
  Tensor t(shape);
  float* p = t.data();
  parallel_for(t.numel(), kElementGrain, [&](int64_t begin, int64_t end) {
    std::fill(p + begin, p + end, value);
  });
  return t.requires_grad_(requires_grad);
}

Tensor zeros(const Shape& shape, bool requires_grad) { return full(shape, 0.0f, requires_grad); }
Tensor ones(const Shape& shape, bool requires_grad) { return full(shape, 1.0f, requires_grad); }

Tensor arange(float start, float end, float step) {
  MT_CHECK(step != 0.0f, "arange: step must not be zero");
  const auto n = static_cast<int64_t>(std::max(0.0f, std::ceil((end - start) / step)));
  Tensor t({n});
  for (int64_t i = 0; i < n; ++i) t.data()[i] = start + static_cast<float>(i) * step;
  return t;
}

Tensor from_values(std::vector<float> values, const Shape& shape, bool requires_grad) {
  MT_CHECK(static_cast<int64_t>(values.size()) == mt::numel(shape), "from_values: ", values.size(),
           " values do not fill shape ", shape);
  Tensor t(shape);
  std::copy(values.begin(), values.end(), t.data());
  return t.requires_grad_(requires_grad);
}

Tensor uniform(const Shape& shape, float low, float high, bool requires_grad) {
  Tensor t(shape);
  const uint64_t seed = random_seed(), first = reserve_random(t.numel());
  float* p = t.data();
  parallel_for(t.numel(), kElementGrain, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) p[i] = low + (high - low) * random_uniform(seed, first + i);
  });
  return t.requires_grad_(requires_grad);
}

Tensor randn(const Shape& shape, bool requires_grad) {
  // Box-Muller: two uniforms per sample (the second sample of each pair is dropped, for a
  // simple one-counter-pair-per-element rule).
  Tensor t(shape);
  const uint64_t seed = random_seed(), first = reserve_random(2 * t.numel());
  float* p = t.data();
  parallel_for(t.numel(), kElementGrain, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      const double u1 = 1.0 - random_uniform(seed, first + 2 * i);  // (0, 1]: log is finite
      const double u2 = random_uniform(seed, first + 2 * i + 1);
      p[i] = static_cast<float>(std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2));
    }
  });
  return t.requires_grad_(requires_grad);
}

// ---- printing -------------------------------------------------------------------------------

namespace {
constexpr int64_t kPrintEdge = 3;  // long dims show this many items at each end

void print_dim(std::ostream& out, const Tensor& t, int64_t d, int64_t offset) {
  const int64_t n = t.shape()[d];
  out << '[';
  for (int64_t i = 0; i < n; ++i) {
    if (n > 2 * kPrintEdge && i == kPrintEdge) {
      out << "..., ";
      i = n - kPrintEdge;
    }
    const int64_t at = offset + i * t.strides()[d];
    if (d + 1 == t.dim()) out << t.data()[at];
    else print_dim(out, t, d + 1, at);
    if (i + 1 < n) out << ", ";
  }
  out << ']';
}
}  // namespace

std::ostream& operator<<(std::ostream& out, const Tensor& t) {
  if (!t.defined()) return out << "tensor(undefined)";
  out << "tensor(";
  if (t.dim() == 0) out << *t.data();
  else print_dim(out, t, 0, 0);
  out << ", shape=" << t.shape();
  if (t.grad_fn()) out << ", grad_fn=" << t.grad_fn()->name;
  else if (t.requires_grad()) out << ", requires_grad=true";
  return out << ')';
}

}  // namespace mt
