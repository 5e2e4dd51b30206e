// The prepared training set: the training corpora read once, cleaned (data/cleaning.h), their
// tokenizers trained or loaded and their vocabularies made, every kept pair encoded in parallel
// and written as data/example_file.h says, in a directory of the data cache:
//   CACHE/prepared/KEY/   examples.bin, manifest.json (the inputs' paths, sizes, modification
//                         times and CRC-32s, every option that shaped the set, the counts of kept
//                         and skipped pairs with the first few skipped), src_vocab.txt,
//                         tgt_vocab.txt, and spm.model or src.spm.model + tgt.spm.model
// KEY is a hash of what the set is made from: the inputs' contents (sizes and CRC-32s, not
// their paths or times) and the data options, so a run on the same corpora and data options (a
// new run directory with another model size, a resume, every MPI rank) opens the same set and
// the page cache shares it, and a changed input or option makes a new one. A set is published
// by renaming its finished directory into place, under a lock, so several processes preparing
// it at once wait for one another and none sees half a set; opening checks the manifest, the
// file's size, header and index, and a stale or corrupt set is named in one line and rebuilt.
// Read next: ../loop/training_data.h.
#pragma once

#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <vector>

#include "data/cleaning.h"
#include "data/codec.h"
#include "data/examples.h"
#include "train/run/config.h"

namespace mt {

struct PreparedSet {
  std::string dir;              // CACHE/prepared/KEY
  data::Examples examples;      // mapped from dir/examples.bin
  data::Codec codec;            // the set's tokenizers and vocabularies
  nlohmann::ordered_json manifest;
  bool reused = false;          // opened, not made by this call
};

/// The set for the config's training corpora and data options: opened when one exists and
/// checks out, else made. `given` (a resumed run's own tokenizers and vocabularies, or those
/// rank 0 wrote) is used instead of training tokenizers and building vocabularies, and a set
/// found with other vocabularies is an error.
PreparedSet prepare_training_set(const Config& config, const data::Codec* given, std::ostream& log);

/// Reads the whole set: the examples file's CRC-32, every id within its vocabulary, the
/// manifest's counts. Errors name the file.
void verify_prepared_set(const PreparedSet& set);

/// What the set holds and what was skipped, with the first skipped pairs of each reason (FILE:LINE).
std::string describe_prepared_set(const PreparedSet& set);

/// The size in bytes, modification time and CRC-32 of a file's bytes (the inputs' identity);
/// `what` names the file in errors ("corpus file").
nlohmann::ordered_json file_identity(const std::string& path, const std::string& what);

namespace prepare_detail {
/// Makes the set in `dir` (a fresh temporary directory): internal to prepared_set.cpp, in
/// prepare_corpus.cpp.
void build_set(const Config& config, const std::vector<data::CorpusFiles>& corpora, const data::Codec* given,
               const std::string& dir, nlohmann::ordered_json manifest, std::ostream& log);
}  // namespace prepare_detail

}  // namespace mt
