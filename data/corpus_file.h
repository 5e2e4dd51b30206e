// Reading a corpus file as users download it: plain text or gzip (zlib reads either, so a
// `.gz` needs no unpacking), one sentence per line, streamed: a LineReader holds one buffer, not
// the file. Every line is checked to be valid UTF-8 (the error names the file, the line and the
// byte); a UTF-8 byte-order mark at the start is dropped, and so is the '\r' of a CRLF line end.
// A corrupt or truncated gzip stream is an error naming the file and the line it broke at.
// Read next: parallel_corpus.h.
#pragma once

#include <cstdint>
#include <istream>
#include <memory>
#include <string>
#include <vector>

struct gzFile_s;

namespace mt::data {

/// The lines of a plain or gzip file, one at a time.
class LineReader {
 public:
  explicit LineReader(const std::string& path);
  /// The lines of a stream (translation input on stdin: plain text, each line as it arrives);
  /// `name` is what errors call it.
  LineReader(std::istream& in, const std::string& name);
  ~LineReader();
  LineReader(LineReader&&) noexcept;
  /// The next line, checked, without its line end; false at the end of the file.
  bool next(std::string& line);
  /// The number of the line next() returned last (1-based).
  int64_t line_number() const { return line_number_; }
  const std::string& path() const { return path_; }

 private:
  bool fill();  // reads the next chunk; false at the end

  std::string path_;
  std::unique_ptr<gzFile_s, void (*)(gzFile_s*)> file_;
  std::istream* stream_ = nullptr;  // instead of file_
  std::vector<char> chunk_;
  size_t at_ = 0, end_ = 0;
  int64_t line_number_ = 0;
};

/// The lines of `path` (plain or gzip), checked, without their line ends.
std::vector<std::string> read_lines(const std::string& path);
/// The lines of a stream (translation input on stdin), checked the same way; `name` is what
/// errors call it. Empty lines stay, empty.
std::vector<std::string> read_lines(std::istream& in, const std::string& name);

}  // namespace mt::data
