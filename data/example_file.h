// The file of a prepared training set that holds its encoded pairs, examples.bin, read through a
// read-only memory map: every process training on the set shares its pages, and nothing is read
// until used. Written once, pair by pair, as a corpus is encoded (the ids streamed to disk, the
// index of 12 bytes a pair kept until the end):
//   header      64 bytes: magic "MTEXAMP1", version, id width (2 or 4), pairs, ids, corpora,
//               a CRC-32 of everything after the header
//   ids         every pair's source ids then target ids, uint16 or int32, padded to 8 bytes
//   corpora     uint64 [corpora + 1]: the first pair of each corpus, then the pair count
//   offsets     uint64 [pairs + 1]: where each pair's ids start, then the id count
//   src_len     uint32 [pairs]: source ids of each pair (the target takes the rest)
// Opening checks the size, the header and the index (a truncated or corrupt file is an error
// naming it); verify() also reads the ids (the CRC and every id within the vocabularies).
// Read next: batcher.h.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "data/examples.h"

namespace mt::data {

/// Writes examples.bin.
class ExampleFileWriter {
 public:
  /// Creates `path`; ids are stored in `id_bytes` (2 when every id fits 16 bits, else 4).
  ExampleFileWriter(const std::string& path, int id_bytes);
  ~ExampleFileWriter();
  ExampleFileWriter(const ExampleFileWriter&) = delete;
  ExampleFileWriter& operator=(const ExampleFileWriter&) = delete;
  /// Appends one pair to the corpus in progress.
  void add(const std::vector<int32_t>& src, const std::vector<int32_t>& tgt);
  /// Ends the corpus in progress (the next pairs belong to the next corpus).
  void end_corpus();
  /// Writes the index and the header and syncs the file; returns its size in bytes.
  int64_t finish();

 private:
  void put(const void* data, size_t bytes);

  std::string path_;
  std::FILE* file_ = nullptr;
  int id_bytes_;
  uint32_t crc_ = 0;
  std::vector<uint64_t> offsets_{0};
  std::vector<uint32_t> src_len_;
  std::vector<uint64_t> corpus_first_{0};
  std::vector<uint16_t> narrow_;  // the pair's ids as uint16
};

/// Maps examples.bin and checks its size, header and index; errors name the file.
Examples open_example_file(const std::string& path);

/// Reads the whole file: its CRC, and every source id below src_vocab and target id below
/// tgt_vocab. Errors name the file and what is wrong.
void verify_example_file(const std::string& path, int64_t src_vocab, int64_t tgt_vocab);

}  // namespace mt::data
