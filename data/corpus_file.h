// Reading a corpus file as users download it: plain text or gzip (zlib reads either, so a
// `.gz` needs no unpacking), one sentence per line. Every line is checked to be valid UTF-8
// (the error names the file, the line and the byte); a UTF-8 byte-order mark at the start is
// dropped, and so is the '\r' of a CRLF line end. A corrupt or truncated gzip stream is an
// error naming the file and the line it broke at. Read next: parallel_corpus.h.
#pragma once

#include <istream>
#include <string>
#include <vector>

namespace mt::data {

/// The lines of `path` (plain or gzip), checked, without their line ends.
std::vector<std::string> read_lines(const std::string& path);
/// The lines of a stream (translation input on stdin), checked the same way; `name` is what
/// errors call it. Empty lines stay, empty.
std::vector<std::string> read_lines(std::istream& in, const std::string& name);

}  // namespace mt::data
