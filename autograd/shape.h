// Shape helpers: a shape is a list of dimension sizes, row-major; strides count elements.
// Broadcasting follows NumPy/PyTorch: align from the right, a size-1 dim stretches.
// Read next: tensor.h.
#pragma once

#include <cstdint>
#include <ostream>
#include <vector>

namespace mt {

using Shape = std::vector<int64_t>;
using Strides = std::vector<int64_t>;

/// Number of elements of a shape (1 for a scalar shape {}).
int64_t numel(const Shape& shape);
/// Row-major strides of a contiguous tensor of this shape.
Strides contiguous_strides(const Shape& shape);
/// The shape both operands broadcast to; throws mt::Error naming `op` if they cannot.
Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op);
/// Strides to read a contiguous tensor of `shape` as if it had shape `target` (0 on stretched dims).
Strides broadcast_strides(const Shape& shape, const Shape& target);
/// Maps a possibly negative dim index into [0, rank); throws mt::Error naming `op` if out of range.
int64_t normalize_dim(int64_t dim, int64_t rank, const char* op);

/// Prints a shape as [2, 3, 4].
std::ostream& operator<<(std::ostream& out, const Shape& shape);

}  // namespace mt
