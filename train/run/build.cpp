// The model, the optimizer and the products' number format of a config; see build.h.
#include "train/run/build.h"

#include "autograd/check.h"
#include "autograd/random.h"
#include "autograd/threading.h"

namespace mt {

nn::TransformerOptions model_options(const Config& c, int64_t src_vocab, int64_t tgt_vocab) {
  nn::TransformerOptions options = c.model;
  options.src_vocab = src_vocab;
  options.tgt_vocab = tgt_vocab;
  return options;
}

std::unique_ptr<nn::Transformer> build_model(const Config& config, const data::Codec& codec) {
  manual_seed(static_cast<uint64_t>(config.train.seed) ^ streams::kWeights.key);
  const int64_t src_vocab = codec.src_vocab.size(), tgt_vocab = codec.tgt_vocab.size();
  try {
    return std::make_unique<nn::Transformer>(model_options(config, src_vocab, tgt_vocab));
  } catch (const Error& e) {
    const nn::TransformerOptions& m = config.model;
    throw Error(str("model (model.d_model = ", m.layer.d_model, ", model.ff_dim = ", m.layer.ff_dim,
                    ", model.encoder_layers = ", m.encoder_layers, ", model.decoder_layers = ", m.decoder_layers,
                    ", vocabularies ", src_vocab, " / ", tgt_vocab, "): ", e.what()));
  }
}

std::unique_ptr<Optimizer> build_optimizer(const OptimConfig& o, std::vector<Tensor> params) {
  if (o.optimizer == OptimizerKind::kSgd) {
    return std::make_unique<Sgd>(params, SgdOptions{.lr = o.lr, .momentum = o.momentum, .weight_decay = o.weight_decay});
  }
  const AdamOptions adam{.lr = o.lr, .beta1 = o.beta1, .beta2 = o.beta2, .eps = o.eps, .weight_decay = o.weight_decay};
  if (o.optimizer == OptimizerKind::kAdamW) return std::make_unique<AdamW>(params, adam);
  return std::make_unique<Adam>(params, adam);
}

Precision resolve_precision(TrainPrecision asked, const PrecisionOption& option, bool native) {
  if (asked == TrainPrecision::kFp32) return Precision::kFp32;
  if (native) return Precision::kBf16;
  MT_CHECK(asked == TrainPrecision::kAuto, option.bf16, ": this CPU has no bf16 products (", matmul_library(),
           "; they need AVX512_BF16 or AMX); give ", option.fp32, " or auto");
  return Precision::kFp32;
}

}  // namespace mt
