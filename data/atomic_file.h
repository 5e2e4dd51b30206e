// Writing a file so that a crash never leaves it half-written: write a temporary file beside
// it, flush and fsync, rename over the target, fsync the directory. Used for every file in a
// run directory (weights, optimizer state, vocabularies, config).
#pragma once

#include <functional>
#include <string>

namespace mt {

/// Writes `contents` to `path` atomically; errors (disk full, no such directory) name the path.
void write_file_atomically(const std::string& path, const std::string& contents);

/// Calls write(fd) on a temporary file beside `path`, then fsyncs and renames it into place.
/// `write` must throw on failure; the temporary file is then removed and `path` is untouched.
void write_atomically(const std::string& path, const std::function<void(int fd)>& write);

/// Writes all of `data` to fd or throws mt::Error naming `path`.
void write_all(int fd, const void* data, size_t size, const std::string& path);

}  // namespace mt
