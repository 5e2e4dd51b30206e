// Mask sanity checks: while a batch trains, every attention's weights are checked against the
// masks the token ids call for, not the masks the attention was given. Pad keys must get
// exactly zero attention; in decoder self-attention no query may attend to a later position;
// the loss must be averaged over exactly the non-pad targets. A violation is an error naming
// the module, the batch row and the position. On by default in debug builds
// (train.check_masks). Read next: health.h.
#pragma once

#include <string>

#include "nn/observer.h"

namespace mt {

class MaskChecker : public nn::Observer {
 public:
  /// `root` names the modules in messages; `pad_id` marks padding in the ids.
  MaskChecker(const nn::Module& root, int32_t pad_id);

  void ids(const nn::Module& where, const char* what, const IntTensor& ids) override;
  void attention(const nn::MultiHeadAttention& where, const nn::AttentionRecord& record) override;

  /// The loss denominator `counted` (what cross_entropy divided by) must equal the number of
  /// targets that are not `pad_id`; targets are `rows` batch rows, flattened.
  static void check_loss(const IntTensor& targets, int64_t counted, int32_t pad_id, int64_t rows);

  /// Attention calls checked so far.
  int64_t checked() const { return checked_; }

 private:
  nn::ModulePaths paths_;
  int32_t pad_id_;
  IntTensor src_, tgt_in_;  // the ids of the batch going through
  int64_t checked_ = 0;
};

}  // namespace mt
