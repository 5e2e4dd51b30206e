// What a config builds: the model it describes (its [model] section with the vocabularies'
// sizes, the initial weights drawn from train.seed), the optimizer of its [optim] section and the
// number format of the products (train.precision).
// Training, explain and loading a trained model all build through here. Read next: checkpoint.h.
#pragma once

#include <memory>
#include <vector>

#include "autograd/precision.h"
#include "data/codec.h"
#include "nn/transformer.h"
#include "train/optim/optimizer.h"
#include "train/run/config.h"

namespace mt {

/// The config's model options (config.model) with these vocabulary sizes.
nn::TransformerOptions model_options(const Config& config, int64_t src_vocab, int64_t tgt_vocab);

/// The model of the config for these vocabularies, its initial weights drawn from the generator
/// seeded with train.seed; running out of memory is an error naming the model's sizes.
std::unique_ptr<nn::Transformer> build_model(const Config& config, const data::Codec& codec);

/// The optimizer optim.optimizer names, over `params`.
std::unique_ptr<Optimizer> build_optimizer(const OptimConfig& o, std::vector<Tensor> params);

/// How an error names the option that asks for a precision: the key or command-line option set
/// to bf16 ("train.precision = bf16") and to fp32 ("train.precision = fp32").
struct PrecisionOption {
  std::string bf16, fp32;
};
inline const PrecisionOption kTrainPrecision{"train.precision = bf16", "train.precision = fp32"};

/// What `asked` comes to on this CPU: auto is bf16 where oneDNN runs bf16 products natively
/// (`native`: bf16_is_native(); tests pass false to stand for a CPU without), else fp32. bf16
/// where it does not is an error naming the option that asked and what to give instead.
Precision resolve_precision(TrainPrecision asked, const PrecisionOption& option, bool native = bf16_is_native());

}  // namespace mt
