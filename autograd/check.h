// mt::Error and MT_CHECK: how every user-facing mistake is reported.
// An op validates its inputs with MT_CHECK(cond, "op_name: ", shape_a, " vs ", shape_b); the
// message is built only when the check fails. Read next: shape.h.
#pragma once

#include <cstdint>
#include <ostream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace mt {

/// Prints a shape as [2, 3, 4] (defined in shape.cpp; declared here so messages can use it).
std::ostream& operator<<(std::ostream& out, const std::vector<int64_t>& shape);

/// The one exception type for user errors (bad shapes, bad config, corrupt files).
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Concatenates anything printable into a string (used to build error messages).
template <typename... Parts>
std::string str(Parts&&... parts) {
  std::ostringstream out;
  (out << ... << std::forward<Parts>(parts));
  return out.str();
}

}  // namespace mt

/// Throws mt::Error with the concatenated message parts when `cond` is false.
#define MT_CHECK(cond, ...)                           \
  do {                                                \
    if (!(cond)) throw ::mt::Error(::mt::str(__VA_ARGS__)); \
  } while (false)
