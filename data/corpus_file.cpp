// Reading plain or gzip corpus files; see corpus_file.h.
#include "data/corpus_file.h"

#include <zlib.h>

#include <algorithm>

#include "autograd/check.h"
#include "data/text.h"

namespace mt::data {
namespace {

void close_gz(gzFile_s* f) {
  if (f != nullptr) gzclose(f);
}

// The error zlib reports for `file`, or "" when there is none.
std::string gz_error(gzFile file) {
  int code = Z_OK;
  const char* message = gzerror(file, &code);
  if (code == Z_OK || code == Z_STREAM_END) return "";
  return message != nullptr && *message != '\0' ? message : "read error";
}

void check_line(std::string& line, const std::string& path, int64_t n) {
  if (n == 1 && line.rfind("\xEF\xBB\xBF", 0) == 0) line.erase(0, 3);  // byte-order mark
  if (!line.empty() && line.back() == '\r') line.pop_back();
  const long bad = utf8_error_offset(line);
  MT_CHECK(bad < 0, path, ":", n, ": invalid UTF-8 at byte ", bad + 1);
}

}  // namespace

LineReader::LineReader(const std::string& path)
    : path_(path), file_(gzopen(path.c_str(), "rb"), close_gz), chunk_(1 << 16) {
  MT_CHECK(file_ != nullptr, path, ": cannot open corpus file");
  gzbuffer(file_.get(), 1 << 17);
}

LineReader::LineReader(std::istream& in, const std::string& name)
    : path_(name), file_(nullptr, close_gz), stream_(&in) {}

LineReader::~LineReader() = default;
LineReader::LineReader(LineReader&&) noexcept = default;

bool LineReader::fill() {
  const int got = gzread(file_.get(), chunk_.data(), static_cast<unsigned>(chunk_.size()));
  if (got < 0 || !gz_error(file_.get()).empty()) {
    throw Error(str(path_, ":", line_number_ + 1, ": corrupt or truncated gzip data (zlib: ", gz_error(file_.get()),
                    ")"));
  }
  at_ = 0;
  end_ = static_cast<size_t>(got);
  return got > 0;
}

bool LineReader::next(std::string& line) {
  if (stream_ != nullptr) {
    if (!std::getline(*stream_, line)) return false;
    check_line(line, path_, ++line_number_);
    return true;
  }
  line.clear();
  bool any = false;  // a last line without its '\n' still counts
  while (true) {
    if (at_ == end_ && !fill()) {
      if (!any) return false;
      break;
    }
    any = true;
    const char* begin = chunk_.data() + at_;
    const char* newline = std::find(begin, static_cast<const char*>(chunk_.data() + end_), '\n');
    line.append(begin, newline);
    at_ = static_cast<size_t>(newline - chunk_.data());
    if (at_ < end_) {
      ++at_;  // past the '\n'
      break;
    }
  }
  check_line(line, path_, ++line_number_);
  return true;
}

std::vector<std::string> read_lines(const std::string& path) {
  LineReader reader(path);
  std::vector<std::string> lines;
  for (std::string line; reader.next(line);) lines.push_back(line);
  return lines;
}

std::vector<std::string> read_lines(std::istream& in, const std::string& name) {
  LineReader reader(in, name);
  std::vector<std::string> lines;
  for (std::string line; reader.next(line);) lines.push_back(line);
  return lines;
}

}  // namespace mt::data
