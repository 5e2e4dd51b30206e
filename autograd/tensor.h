// Tensor: a float32, row-major, strided view of shared storage, plus what autograd needs
// (requires_grad, grad, and grad_fn: the node of the op that made it). Views (reshape,
// transpose, slice) share storage; kernels read through contiguous() where they need to.
// Read next: node.h (the tape), engine.cpp (backward), ops.h (the op catalogue).
#pragma once

#include <cstdint>
#include <memory>
#include <ostream>
#include <vector>

#include "autograd/shape.h"

namespace mt {

struct Node;
struct TensorImpl;

/// A 64-byte aligned float buffer shared by a tensor and its views.
struct Storage {
  explicit Storage(int64_t size);
  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;

  float* data = nullptr;
  int64_t size = 0;
};

/// A handle to a float32 tensor; copying it is cheap and shares the same tensor.
class Tensor {
 public:
  Tensor() = default;  // an undefined tensor (also "no gradient" in backward functions)
  /// A new contiguous tensor of `shape` with uninitialized values.
  explicit Tensor(const Shape& shape);
  /// A view of `storage` (used by view ops).
  Tensor(std::shared_ptr<Storage> storage, Shape shape, Strides strides, int64_t offset);

  bool defined() const { return impl_ != nullptr; }
  const Shape& shape() const;
  const Strides& strides() const;
  int64_t offset() const;
  int64_t dim() const { return static_cast<int64_t>(shape().size()); }
  /// Size of dimension `d` (negative counts from the end).
  int64_t size(int64_t d) const;
  int64_t numel() const;
  bool is_contiguous() const;
  const std::shared_ptr<Storage>& storage() const;

  /// Pointer to the first element (storage offset applied); index with strides().
  float* data() const;
  /// The value of a one-element tensor.
  float item() const;
  /// All values in logical row-major order (works for any strides).
  std::vector<float> to_vector() const;

  /// True for a leaf marked requires_grad, or for any result of an op on such a tensor.
  bool requires_grad() const;
  /// Marks a leaf tensor as a parameter whose gradient backward() accumulates.
  Tensor& requires_grad_(bool on = true);
  /// Accumulated gradient of a leaf (undefined until a backward reaches it).
  const Tensor& grad() const;
  void set_grad(Tensor grad) const;
  /// Drops the accumulated gradient.
  void zero_grad() const;
  /// The node of the op that made this tensor (null for leaves and under NoGradGuard).
  const std::shared_ptr<Node>& grad_fn() const;
  void set_grad_fn(std::shared_ptr<Node> node) const;

  /// Reverse-mode autodiff from this tensor. `dy` defaults to 1 for a one-element tensor.
  /// The graph is freed afterwards unless `retain_graph`.
  void backward(const Tensor& dy = {}, bool retain_graph = false) const;
  /// Same storage, no history: gradients do not flow through the result.
  Tensor detach() const;
  /// True if both handles refer to the same tensor object.
  bool is_same(const Tensor& other) const { return impl_ == other.impl_; }

  // Method forms of common ops, so expressions read like PyTorch (see ops.h).
  Tensor reshape(const Shape& shape) const;
  Tensor view(const Shape& shape) const;
  Tensor transpose(int64_t dim0, int64_t dim1) const;
  Tensor permute(const std::vector<int64_t>& dims) const;
  Tensor contiguous() const;
  Tensor sum() const;
  Tensor mean() const;

 private:
  TensorImpl& impl() const;
  std::shared_ptr<TensorImpl> impl_;
  friend struct Node;
};

/// Integer tensor for token ids, class targets and boolean masks (non-zero = true).
/// It never takes part in autograd.
struct IntTensor {
  IntTensor() = default;
  /// Checks that values.size() equals the number of elements of `shape`.
  IntTensor(std::vector<int32_t> values, Shape shape);
  int64_t numel() const { return static_cast<int64_t>(values.size()); }

  std::vector<int32_t> values;
  Shape shape;
};

// ---- constructors ---------------------------------------------------------------------------
Tensor empty(const Shape& shape);
Tensor zeros(const Shape& shape, bool requires_grad = false);
Tensor ones(const Shape& shape, bool requires_grad = false);
Tensor full(const Shape& shape, float value, bool requires_grad = false);
/// [start, start + step, ...) up to but excluding `end`, as a 1-d tensor.
Tensor arange(float start, float end, float step = 1.0f);
/// A tensor holding `values` (row-major) with `shape`; sizes must agree.
Tensor from_values(std::vector<float> values, const Shape& shape, bool requires_grad = false);
/// Standard normal samples from the global generator (see random.h).
Tensor randn(const Shape& shape, bool requires_grad = false);
/// Uniform samples in [low, high) from the global generator.
Tensor uniform(const Shape& shape, float low, float high, bool requires_grad = false);

/// Prints `tensor([[1, 2], [3, 4]], shape=[2, 2])`, eliding the middle of long dims.
std::ostream& operator<<(std::ostream& out, const Tensor& t);

}  // namespace mt
