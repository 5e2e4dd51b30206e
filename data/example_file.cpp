// examples.bin; see example_file.h.
#include "data/example_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <cerrno>
#include <cstring>

#include "autograd/check.h"

namespace mt::data {
namespace {

constexpr char kMagic[8] = {'M', 'T', 'E', 'X', 'A', 'M', 'P', '1'};
constexpr uint32_t kVersion = 1;

struct Header {
  char magic[8];
  uint32_t version, id_bytes;
  uint64_t pairs, ids, corpora;
  uint32_t crc, reserved0;
  uint64_t reserved[2];
};
static_assert(sizeof(Header) == 64);

uint64_t padded(uint64_t bytes) { return (bytes + 7) / 8 * 8; }

// The file's size as the header describes it; 0 when the counts cannot describe a real file.
uint64_t expected_size(const Header& h, uint64_t file_size) {
  if ((h.id_bytes != 2 && h.id_bytes != 4) || h.pairs > file_size / 12 || h.ids > file_size / h.id_bytes ||
      h.corpora > file_size / 8) {
    return 0;
  }
  return sizeof(Header) + padded(h.ids * h.id_bytes) + (h.corpora + 1) * 8 + (h.pairs + 1) * 8 + h.pairs * 4;
}

// A read-only map of a whole file.
struct Mapping {
  const char* data = nullptr;
  size_t size = 0;
  ~Mapping() {
    if (data != nullptr && size > 0) ::munmap(const_cast<char*>(data), size);
  }
};

std::shared_ptr<Mapping> map_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY);
  MT_CHECK(fd >= 0, path, ": cannot open the prepared set's examples: ", std::strerror(errno));
  struct stat st {};
  ::fstat(fd, &st);
  auto m = std::make_shared<Mapping>();
  m->size = static_cast<size_t>(st.st_size);
  if (m->size > 0) {
    void* p = ::mmap(nullptr, m->size, PROT_READ, MAP_SHARED, fd, 0);
    const int error = errno;
    ::close(fd);
    MT_CHECK(p != MAP_FAILED, path, ": cannot map the prepared set's examples: ", std::strerror(error));
    m->data = static_cast<const char*>(p);
  } else {
    ::close(fd);
  }
  return m;
}

}  // namespace

ExampleFileWriter::ExampleFileWriter(const std::string& path, int id_bytes)
    : path_(path), file_(std::fopen(path.c_str(), "wb")), id_bytes_(id_bytes) {
  MT_CHECK(file_ != nullptr, path, ": cannot create: ", std::strerror(errno));
  const Header blank{};
  MT_CHECK(std::fwrite(&blank, sizeof(blank), 1, file_) == 1, path, ": write failed: ", std::strerror(errno));
}

ExampleFileWriter::~ExampleFileWriter() {
  if (file_ != nullptr) std::fclose(file_);
}

void ExampleFileWriter::put(const void* data, size_t bytes) {
  if (bytes == 0) return;
  MT_CHECK(std::fwrite(data, 1, bytes, file_) == bytes, path_, ": write failed: ", std::strerror(errno));
  crc_ = static_cast<uint32_t>(crc32_z(crc_, static_cast<const Bytef*>(data), bytes));
}

void ExampleFileWriter::add(const std::vector<int32_t>& src, const std::vector<int32_t>& tgt) {
  for (const std::vector<int32_t>* side : {&src, &tgt}) {
    if (id_bytes_ == 4) {
      put(side->data(), side->size() * 4);
    } else {
      narrow_.assign(side->begin(), side->end());
      put(narrow_.data(), narrow_.size() * 2);
    }
  }
  src_len_.push_back(static_cast<uint32_t>(src.size()));
  offsets_.push_back(offsets_.back() + src.size() + tgt.size());
}

void ExampleFileWriter::end_corpus() { corpus_first_.push_back(src_len_.size()); }

int64_t ExampleFileWriter::finish() {
  const uint64_t ids = offsets_.back(), id_bytes = ids * static_cast<uint64_t>(id_bytes_);
  const uint64_t zeros = 0;
  put(&zeros, padded(id_bytes) - id_bytes);
  put(corpus_first_.data(), corpus_first_.size() * 8);
  put(offsets_.data(), offsets_.size() * 8);
  put(src_len_.data(), src_len_.size() * 4);
  Header h{};
  std::memcpy(h.magic, kMagic, sizeof(kMagic));
  h.version = kVersion;
  h.id_bytes = static_cast<uint32_t>(id_bytes_);
  h.pairs = src_len_.size();
  h.ids = ids;
  h.corpora = corpus_first_.size() - 1;
  h.crc = crc_;
  MT_CHECK(std::fseek(file_, 0, SEEK_SET) == 0 && std::fwrite(&h, sizeof(h), 1, file_) == 1 &&
               std::fflush(file_) == 0 && ::fsync(::fileno(file_)) == 0,
           path_, ": write failed: ", std::strerror(errno));
  MT_CHECK(std::fclose(file_) == 0, path_, ": close failed: ", std::strerror(errno));
  file_ = nullptr;
  return static_cast<int64_t>(expected_size(h, ~uint64_t{0} / 2));
}

Examples open_example_file(const std::string& path) {
  const std::shared_ptr<Mapping> m = map_file(path);
  Header h{};
  MT_CHECK(m->size >= sizeof(Header), path, ": truncated (", m->size, " bytes, shorter than its header)");
  std::memcpy(&h, m->data, sizeof(h));
  MT_CHECK(std::memcmp(h.magic, kMagic, sizeof(kMagic)) == 0, path, ": not a minitrans examples file (bad magic)");
  MT_CHECK(h.version == kVersion, path, ": examples format version ", h.version, ", this build reads ", kVersion);
  const uint64_t expected = expected_size(h, m->size);
  MT_CHECK(expected != 0, path, ": corrupt header (", h.pairs, " pairs, ", h.ids, " ids of ", h.id_bytes, " bytes)");
  MT_CHECK(expected == m->size, path, ": ", m->size, " bytes where its header says ", expected,
           " (truncated or corrupt)");
  const char* at = m->data + sizeof(Header) + padded(h.ids * h.id_bytes);
  ExampleArrays a;
  a.pairs = static_cast<int64_t>(h.pairs);
  a.ids = m->data + sizeof(Header);
  a.id_bytes = static_cast<int>(h.id_bytes);
  const auto* corpora = reinterpret_cast<const uint64_t*>(at);
  a.offsets = reinterpret_cast<const uint64_t*>(at + (h.corpora + 1) * 8);
  a.src_len = reinterpret_cast<const uint32_t*>(at + (h.corpora + 1) * 8 + (h.pairs + 1) * 8);
  for (uint64_t c = 0; c <= h.corpora; ++c) {
    MT_CHECK((c == 0 ? corpora[c] == 0 : corpora[c] >= corpora[c - 1]) && corpora[c] <= h.pairs, path,
             ": corrupt corpus index at corpus ", c);
    a.corpus_first.push_back(static_cast<int64_t>(corpora[c]));
  }
  MT_CHECK(a.corpus_first.back() == a.pairs, path, ": corrupt corpus index (the corpora end before the pairs)");
  MT_CHECK(a.offsets[0] == 0 && a.offsets[h.pairs] == h.ids, path, ": corrupt pair index (its ends)");
  for (uint64_t i = 0; i < h.pairs; ++i) {
    MT_CHECK(a.offsets[i + 1] >= a.offsets[i] && a.src_len[i] <= a.offsets[i + 1] - a.offsets[i], path,
             ": corrupt pair index at pair ", i);
  }
  return Examples(std::move(a), m);
}

void verify_example_file(const std::string& path, int64_t src_vocab, int64_t tgt_vocab) {
  const Examples examples = open_example_file(path);
  const std::shared_ptr<Mapping> m = map_file(path);
  Header h{};
  std::memcpy(&h, m->data, sizeof(h));
  const uLong crc = crc32_z(0, reinterpret_cast<const Bytef*>(m->data + sizeof(Header)), m->size - sizeof(Header));
  MT_CHECK(crc == h.crc, path, ": CRC-32 mismatch (the file changed after it was written)");
  std::vector<int32_t> ids;
  for (int64_t i = 0; i < examples.size(); ++i) {
    for (const bool source : {true, false}) {
      ids = source ? examples.src(i) : examples.tgt(i);
      for (int32_t id : ids) {
        MT_CHECK(id >= 0 && id < (source ? src_vocab : tgt_vocab), path, ": pair ", i, " holds ",
                 source ? "source" : "target", " id ", id, ", outside its vocabulary of ",
                 source ? src_vocab : tgt_vocab);
      }
    }
  }
}

}  // namespace mt::data
