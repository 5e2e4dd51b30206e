// Atomic file writes; see atomic_file.h.
#include "data/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>

#include "autograd/check.h"

namespace mt {
namespace {

std::string directory_of(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
}

std::atomic<int> g_temp_counter{0};

}  // namespace

void write_all(int fd, const void* data, size_t size, const std::string& path) {
  const char* p = static_cast<const char*>(data);
  while (size > 0) {
    const ssize_t n = ::write(fd, p, size);
    if (n < 0 && errno == EINTR) continue;
    MT_CHECK(n > 0, path, ": write failed: ", std::strerror(errno));
    p += n;
    size -= static_cast<size_t>(n);
  }
}

void write_atomically(const std::string& path, const std::function<void(int fd)>& write) {
  const std::string temp = path + ".tmp." + std::to_string(::getpid()) + "." + std::to_string(g_temp_counter++);
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  MT_CHECK(fd >= 0, path, ": cannot create ", temp, ": ", std::strerror(errno));
  try {
    write(fd);
    MT_CHECK(::fsync(fd) == 0, path, ": fsync failed: ", std::strerror(errno));
    MT_CHECK(::close(fd) == 0, path, ": close failed: ", std::strerror(errno));
  } catch (...) {
    ::close(fd);
    ::unlink(temp.c_str());
    throw;
  }
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    const int error = errno;
    ::unlink(temp.c_str());
    throw Error(str(path, ": cannot rename ", temp, " into place: ", std::strerror(error)));
  }
  const int dir = ::open(directory_of(path).c_str(), O_RDONLY | O_DIRECTORY);  // make the rename durable
  if (dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
}

void write_file_atomically(const std::string& path, const std::string& contents) {
  write_atomically(path, [&](int fd) { write_all(fd, contents.data(), contents.size(), path); });
}

}  // namespace mt
