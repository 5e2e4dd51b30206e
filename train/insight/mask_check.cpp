// Mask sanity checks; see mask_check.h.
#include "train/insight/mask_check.h"

#include <string>

#include "autograd/check.h"
#include "nn/multi_head_attention.h"

namespace mt {

MaskChecker::MaskChecker(const nn::Module& root, int32_t pad_id) : paths_(root), pad_id_(pad_id) {}

void MaskChecker::ids(const nn::Module&, const char* what, const IntTensor& ids) {
  (std::string(what) == "src" ? src_ : tgt_in_) = ids;
}

void MaskChecker::attention(const nn::MultiHeadAttention& where, const nn::AttentionRecord& record) {
  const std::string path = paths_.of(where);
  // Which ids the keys come from, and whether the look-ahead mask applies, follow from where
  // the module sits: decoder self-attention reads the decoder input, the rest the source.
  const bool decoder_self = path.find("decoder.") != std::string::npos && path.find("self_attn") != std::string::npos;
  const IntTensor& keys = decoder_self ? tgt_in_ : src_;
  const Tensor w = record.weights.contiguous();  // [B, H, T, S]
  const int64_t b = w.size(0), h = w.size(1), t = w.size(2), s = w.size(3);
  MT_CHECK(keys.shape.size() == 2 && keys.shape[0] == b && keys.shape[1] == s, "mask check: ", path, " has ", b,
           " x ", s, " keys, but the ", decoder_self ? "decoder input" : "source", " ids are ", keys.shape);
  const float* p = w.data();
  for (int64_t row = 0; row < b; ++row) {
    for (int64_t head = 0; head < h; ++head) {
      for (int64_t q = 0; q < t; ++q) {
        for (int64_t k = 0; k < s; ++k) {
          const float weight = p[((row * h + head) * t + q) * s + k];
          if (weight == 0.0f) continue;
          MT_CHECK(keys.values[row * s + k] != pad_id_, "mask check: ", path, ", batch row ", row, ", head ", head,
                   ": query ", q, " gives attention ", weight, " to key ", k, ", which is padding");
          MT_CHECK(!decoder_self || k <= q, "mask check: ", path, ", batch row ", row, ", head ", head, ": query ", q,
                   " gives attention ", weight, " to key ", k, ", a later position (look-ahead mask missing)");
        }
      }
    }
  }
  ++checked_;
}

void MaskChecker::check_loss(const IntTensor& targets, int64_t counted, int32_t pad_id, int64_t rows) {
  int64_t real = 0, first_padded_row = -1;
  const int64_t length = rows > 0 ? targets.numel() / rows : 0;
  for (int64_t i = 0; i < targets.numel(); ++i) {
    if (targets.values[i] != pad_id) {
      ++real;
    } else if (first_padded_row < 0) {
      first_padded_row = length > 0 ? i / length : 0;
    }
  }
  if (counted == real) return;
  throw Error(str("mask check: the loss is averaged over ", counted, " targets, but ", real, " of the ",
                  targets.numel(), " are not padding",
                  first_padded_row >= 0 && counted > real ? str(" (batch row ", first_padded_row, " has padding counted)")
                                                          : std::string(),
                  "; is the loss's ignore index the pad id ", pad_id, "?"));
}

}  // namespace mt
