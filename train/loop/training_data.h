// The data path of a run: the training pairs and the epoch's batches. A new run prepares (or
// finds) its prepared training set (../run/prepared_set.h), keeps the set's tokenizers and
// vocabularies in the run directory, and batches the set's memory-mapped pairs, reading their
// lengths alone: memory is the index, not the corpus. A resumed run, and every MPI rank but 0,
// uses the run directory's own tokenizers and vocabularies with the same set (rebuilt with them
// when it was deleted). With subword sampling (data.spm_alpha > 0) the pairs' text is kept in
// memory instead and each epoch draws and encodes new segmentations, as before the prepared set
// existed. Also here: the validation and test splits, and the model and optimizer built for the
// vocabularies. Read next: trainer.h.
#pragma once

#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include "data/batcher.h"
#include "data/codec.h"
#include "data/parallel_corpus.h"
#include "train/distributed/communicator.h"
#include "train/optim/optimizer.h"
#include "train/run/config.h"
#include "train/run/prepared_set.h"

namespace mt {

/// The raw pairs of a validation or test split (config.data.valid, config.data.test; none when
/// the split is not configured); never cleaned, a blank line is an error.
std::vector<data::TextPair> read_split(const SplitFiles& files);

class TrainingData {
 public:
  /// A new run on rank 0 writes the run's tokenizers, vocabularies, config.ini and data.json
  /// (which prepared set it uses) into `dir`; the other ranks wait for them and write nothing.
  TrainingData(const Config& config, bool resume, const std::string& dir, std::ostream& log, Communicator& ranks);

  const data::Codec& codec() const { return codec_; }
  const std::vector<data::SentencePair>& valid() const { return valid_; }
  const std::vector<data::SentencePair>& test() const { return test_; }
  /// The pairs the batches index: the prepared set's, or with subword sampling the draw of the
  /// epoch batches() was last called for.
  const data::Examples& examples() const { return sampled() ? drawn_ : set_.examples; }
  /// The batches of `epoch` (rows index examples()), computed once per epoch; with subword
  /// sampling the epoch's segmentations are drawn first and `note` is told how long that took.
  const std::vector<std::vector<int64_t>>& batches(int64_t epoch, const std::function<void(const std::string&)>& note);
  bool sampled() const { return !sampled_text_.empty(); }

 private:
  void keep_text_for_sampling();  // the kept pairs' text, cleaned as the prepared set was
  void draw(int64_t epoch);       // with sampling: the epoch's segmentations, encoded

  const Config& config_;
  data::Codec codec_;
  PreparedSet set_;
  std::vector<data::SentencePair> valid_, test_;
  std::vector<double> weights_;  // of each corpus
  std::vector<data::TextPair> sampled_text_;
  std::vector<int64_t> text_corpus_first_;
  data::Examples drawn_;
  std::vector<std::vector<int64_t>> batches_;  // of epoch_
  int64_t epoch_ = -1;
};

}  // namespace mt
