// Reading plain or gzip corpus files; see corpus_file.h.
#include "data/corpus_file.h"

#include <zlib.h>

#include <memory>

#include "autograd/check.h"
#include "data/text.h"

namespace mt::data {
namespace {

struct GzCloser {
  void operator()(gzFile_s* f) const { gzclose(f); }
};

// The error zlib reports for `file`, or "" when there is none.
std::string gz_error(gzFile file) {
  int code = Z_OK;
  const char* message = gzerror(file, &code);
  if (code == Z_OK || code == Z_STREAM_END) return "";
  return message != nullptr && *message != '\0' ? message : "read error";
}

void check_line(std::string& line, const std::string& path, size_t n) {
  if (n == 1 && line.rfind("\xEF\xBB\xBF", 0) == 0) line.erase(0, 3);  // byte-order mark
  if (!line.empty() && line.back() == '\r') line.pop_back();
  const long bad = utf8_error_offset(line);
  MT_CHECK(bad < 0, path, ":", n, ": invalid UTF-8 at byte ", bad + 1);
}

}  // namespace

std::vector<std::string> read_lines(const std::string& path) {
  const std::unique_ptr<gzFile_s, GzCloser> file(gzopen(path.c_str(), "rb"));
  MT_CHECK(file != nullptr, path, ": cannot open corpus file");
  gzbuffer(file.get(), 1 << 17);
  std::vector<std::string> lines;
  std::string line;
  char chunk[1 << 16];
  while (true) {
    const int got = gzread(file.get(), chunk, sizeof(chunk));
    if (got < 0 || !gz_error(file.get()).empty()) {
      throw Error(str(path, ":", lines.size() + 1, ": corrupt or truncated gzip data (zlib: ", gz_error(file.get()),
                      ")"));
    }
    if (got == 0) break;
    for (int i = 0; i < got; ++i) {
      if (chunk[i] != '\n') {
        line += chunk[i];
        continue;
      }
      check_line(line, path, lines.size() + 1);
      lines.push_back(std::move(line));
      line.clear();
    }
  }
  if (!line.empty()) {  // a last line without its '\n'
    check_line(line, path, lines.size() + 1);
    lines.push_back(std::move(line));
  }
  return lines;
}

std::vector<std::string> read_lines(std::istream& in, const std::string& name) {
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) {
    check_line(line, name, lines.size() + 1);
    lines.push_back(std::move(line));
  }
  return lines;
}

}  // namespace mt::data
