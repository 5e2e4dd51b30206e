// Tests of nn/encoder_layer.cpp, nn/decoder_layer.cpp and nn/transformer.cpp: parameter names
// (as PyTorch's), shapes, counts, gradcheck at D=8 for post-LN and pre-LN, the dropout rates
// each part gets, masks reaching the layers, tied output, packed batches, and the reference
// attention against the fused one.
#include "nn/transformer.h"

#include <map>
#include <tuple>

#include "tests/reference.h"

using namespace mt;
using namespace mt::testing;

namespace {
const nn::LayerOptions kTiny{.d_model = 8, .heads = 2, .ff_dim = 12, .dropout = 0.0f};

// The layout of a batch whose padding mask is `padding` [B, L], every position a row.
nn::SequenceLayout layout_of(const IntTensor& padding) {
  IntTensor ids = padding;
  for (int32_t& v : ids.values) v = v != 0 ? 0 : 1;
  return nn::SequenceLayout::padded(ids, 0);
}
Tensor rows(const Tensor& x) { return reshape(x, {-1, x.size(2)}); }  // [B, L, D] -> [B·L, D]

// The rate of every Dropout in a module, by its dotted name.
std::map<std::string, float> dropout_rates(const nn::Module& m) {
  std::map<std::string, float> rates;
  for (const auto& [name, module] : m.named_modules()) {
    if (const auto* d = dynamic_cast<const nn::Dropout*>(module)) rates[name] = d->p;
  }
  return rates;
}

float max_abs_diff(const Tensor& a, const Tensor& b) {
  const std::vector<float> x = a.to_vector(), y = b.to_vector();
  float worst = 0.0f;
  for (size_t i = 0; i < x.size(); ++i) worst = std::max(worst, std::abs(x[i] - y[i]));
  return worst;
}

// An encoder layer's output in training mode (dropout drawn) and in eval mode, from one input.
std::pair<Tensor, Tensor> trained_and_eval(const nn::LayerOptions& o) {
  manual_seed(31);
  nn::EncoderLayer enc(o);
  const Tensor x = param({2, 3, 8}, 32);
  const nn::SequenceLayout layout = layout_of(IntTensor({0, 0, 0, 0, 0, 0}, {2, 3}));
  const Tensor trained = enc.forward(rows(x), layout);
  enc.eval();
  return {trained, enc.forward(rows(x), layout)};
}
}  // namespace

TEST_CASE("EncoderLayer and DecoderLayer: PyTorch's parameter names, in order") {
  const std::vector<std::string> attn = {"in_proj_weight", "in_proj_bias", "out_proj.weight", "out_proj.bias"};
  std::vector<std::string> encoder;
  for (const auto& n : attn) encoder.push_back("self_attn." + n);
  for (const char* n : {"linear1.weight", "linear1.bias", "linear2.weight", "linear2.bias", "norm1.weight",
                        "norm1.bias", "norm2.weight", "norm2.bias"})
    encoder.push_back(n);
  CHECK(names(nn::EncoderLayer(kTiny)) == encoder);
  std::vector<std::string> decoder;
  for (const auto& n : attn) decoder.push_back("self_attn." + n);
  for (const auto& n : attn) decoder.push_back("multihead_attn." + n);
  for (const char* n : {"linear1.weight", "linear1.bias", "linear2.weight", "linear2.bias", "norm1.weight",
                        "norm1.bias", "norm2.weight", "norm2.bias", "norm3.weight", "norm3.bias"})
    decoder.push_back(n);
  CHECK(names(nn::DecoderLayer(kTiny)) == decoder);
  const int64_t attention = 3 * 8 * 8 + 3 * 8 + 8 * 8 + 8, ff = 8 * 12 + 12 + 12 * 8 + 8, norm = 16;
  CHECK(nn::EncoderLayer(kTiny).parameter_count() == attention + ff + 2 * norm);
  CHECK(nn::DecoderLayer(kTiny).parameter_count() == 2 * attention + ff + 3 * norm);
}

TEST_CASE("EncoderLayer and DecoderLayer: shapes and gradcheck, post-LN and pre-LN") {
  for (bool pre : {false, true}) {
    INFO(std::string(pre ? "pre-LN" : "post-LN"));
    nn::LayerOptions o = kTiny;
    o.norm_first = pre;
    // GELU: finite differences across hundreds of ReLU units would straddle a kink somewhere.
    // The ReLU layers' exact gradients are checked against PyTorch in test_parity.cpp.
    o.activation = nn::Activation::kGelu;
    manual_seed(21);
    nn::EncoderLayer enc(o);
    nn::DecoderLayer dec(o);
    const Tensor x = param({2, 3, 8}, 22), y = param({2, 4, 8}, 23);
    const nn::SequenceLayout src = layout_of(IntTensor({0, 0, 1, 0, 0, 0}, {2, 3}));
    const nn::SequenceLayout tgt = layout_of(IntTensor({0, 0, 0, 1, 0, 0, 0, 0}, {2, 4}));
    CHECK(enc.forward(rows(x), src).shape() == Shape{6, 8});
    CHECK(dec.forward(rows(y), tgt, rows(x), src).shape() == Shape{8, 8});
    check_gradients([&](const auto& v) { return enc.forward(rows(v[0]), src); }, with_params(enc, {x}));
    check_gradients([&](const auto& v) { return dec.forward(rows(v[0]), tgt, rows(v[1]), src); },
                    with_params(dec, {y, x}));
  }
}

TEST_CASE("EncoderLayer and DecoderLayer: attention_dropout and activation_dropout, unset, follow dropout") {
  using Rates = std::map<std::string, float>;
  nn::LayerOptions o = kTiny;
  o.dropout = 0.3f;
  CHECK(dropout_rates(nn::EncoderLayer(o)) ==
        Rates{{"self_attn.attn_dropout", 0.3f}, {"dropout", 0.3f}, {"dropout1", 0.3f}, {"dropout2", 0.3f}});
  o.attention_dropout = 0.1f;
  o.activation_dropout = 0.0f;
  CHECK(dropout_rates(nn::EncoderLayer(o)) ==
        Rates{{"self_attn.attn_dropout", 0.1f}, {"dropout", 0.0f}, {"dropout1", 0.3f}, {"dropout2", 0.3f}});
  CHECK(dropout_rates(nn::DecoderLayer(o)) == Rates{{"self_attn.attn_dropout", 0.1f},
                                                     {"multihead_attn.attn_dropout", 0.1f},
                                                     {"dropout", 0.0f},
                                                     {"dropout1", 0.3f},
                                                     {"dropout2", 0.3f},
                                                     {"dropout3", 0.3f}});
}

TEST_CASE("EncoderLayer: attention_dropout and activation_dropout each drop in training, and at rate 0 nothing drops") {
  nn::LayerOptions o = kTiny;  // dropout 0 on the residual paths
  o.attention_dropout = 0.0f;
  o.activation_dropout = 0.0f;
  auto [trained, evaluated] = trained_and_eval(o);
  CHECK(max_abs_diff(trained, evaluated) == 0.0f);
  for (float* rate : {&o.attention_dropout, &o.activation_dropout}) {
    *rate = 0.5f;
    std::tie(trained, evaluated) = trained_and_eval(o);
    CHECK(max_abs_diff(trained, evaluated) > 1e-3f);
    *rate = 0.0f;
  }
}

TEST_CASE("Transformer: top-level names, shapes, count, tied output") {
  nn::TransformerOptions o{.src_vocab = 7, .tgt_vocab = 9, .layer = kTiny, .encoder_layers = 1, .decoder_layers = 2};
  manual_seed(24);
  nn::Transformer model(o);
  const auto all = names(model);
  CHECK(all.front() == "src_embed.weight");
  CHECK(all[1] == "tgt_embed.weight");
  CHECK(all[2] == "transformer.encoder.layers.0.self_attn.in_proj_weight");
  CHECK(std::find(all.begin(), all.end(), "transformer.encoder.norm.weight") != all.end());
  CHECK(std::find(all.begin(), all.end(), "transformer.decoder.layers.1.multihead_attn.out_proj.bias") != all.end());
  CHECK(all[all.size() - 2] == "generator.weight");
  CHECK(all.back() == "generator.bias");
  const int64_t expected = 7 * 8 + 9 * 8 + nn::EncoderLayer(o.layer).parameter_count() + 16 +
                           2 * nn::DecoderLayer(o.layer).parameter_count() + 16 + 9 * 8 + 9;
  CHECK(model.parameter_count() == expected);
  const IntTensor src({3, 4, 5, 0, 6, 0}, {2, 3}), tgt({1, 3, 4, 0, 1, 8, 0, 0}, {2, 4});
  CHECK(model.forward(src, tgt).shape() == Shape{2, 4, 9});
  CHECK(model.encode(src).shape() == Shape{2, 3, 8});

  o.tie_output = true;
  o.tgt_vocab = 9;
  nn::Transformer tied(o);
  CHECK(tied.generator->weight.is_same(tied.tgt_embed->weight));
  CHECK(tied.parameter_count() == expected - 9 * 8);
  CHECK(tied.state_dict().size() == tied.named_parameters().size() + 1);

  o.tie_embeddings = true;  // with the tied output: one table for the source, the target and the output
  check_error([&] { nn::Transformer{o}; }, {"tie_embeddings", "7 and 9"});
  o.src_vocab = 9;
  nn::Transformer shared(o);
  CHECK(shared.src_embed->weight.is_same(shared.tgt_embed->weight));
  CHECK(shared.generator->weight.is_same(shared.tgt_embed->weight));
  CHECK(shared.parameter_count() == expected - 7 * 8 - 9 * 8);
  CHECK(shared.state_dict().size() == shared.named_parameters().size() + 2);
  CHECK(shared.forward(IntTensor({3, 8, 5, 0, 6, 0}, {2, 3}), tgt).shape() == Shape{2, 4, 9});
}

TEST_CASE("Transformer: gradcheck with one table for the source, the target and the output") {
  nn::TransformerOptions o{.src_vocab = 6, .tgt_vocab = 6,
                           .layer = {.d_model = 8, .heads = 2, .ff_dim = 8, .dropout = 0.0f},
                           .encoder_layers = 1, .decoder_layers = 1, .tie_output = true, .tie_embeddings = true,
                           .max_positions = 8};
  manual_seed(26);
  nn::Transformer model(o);
  REQUIRE(model.parameters().front().is_same(model.tgt_embed->weight));
  const IntTensor src({3, 4, 5, 0, 2, 0}, {2, 3}), tgt({1, 3, 4, 1, 2, 0}, {2, 3});
  const IntTensor gold({3, 4, 2, 2, 0, 0}, {6});
  check_gradients([&](const auto&) { return cross_entropy(reshape(model.forward(src, tgt), {6, 6}), gold, 0); },
                  model.parameters());
}

TEST_CASE("Transformer: gradcheck through the whole model at D=8") {
  nn::TransformerOptions o{.src_vocab = 6, .tgt_vocab = 5,
                           .layer = {.d_model = 8, .heads = 2, .ff_dim = 8, .dropout = 0.0f,
                                     .activation = nn::Activation::kGelu, .norm_first = true},
                           .encoder_layers = 1, .decoder_layers = 1, .learned_positions = true, .max_positions = 8};
  manual_seed(25);
  nn::Transformer model(o);
  const IntTensor src({3, 4, 5, 0, 2, 0}, {2, 3}), tgt({1, 3, 4, 1, 2, 0}, {2, 3});
  const IntTensor gold({3, 4, 2, 2, 0, 0}, {6});
  check_gradients([&](const auto&) { return cross_entropy(reshape(model.forward(src, tgt), {6, 5}), gold, 0); },
                  model.parameters());
}

TEST_CASE("Transformer: options are validated") {
  check_error([] { nn::Transformer({.src_vocab = 5, .tgt_vocab = 5, .layer = {.d_model = 10, .heads = 4}}); },
              {"d_model 10", "heads 4"});
  check_error([] { nn::Transformer({.src_vocab = 0, .tgt_vocab = 5, .layer = {}}); }, {"vocabulary"});
}

TEST_CASE("Transformer: logits at non-pad targets only give the loss and gradients of the full logits") {
  nn::TransformerOptions o{.src_vocab = 7, .tgt_vocab = 9,
                           .layer = {.d_model = 8, .heads = 2, .ff_dim = 12, .dropout = 0.0f,
                                     .activation = nn::Activation::kGelu},  // smooth, for the gradcheck
                           .encoder_layers = 1, .decoder_layers = 1};
  manual_seed(26);
  nn::Transformer model(o);
  const IntTensor src({3, 4, 5, 0, 6, 0}, {2, 3}), tgt_in({2, 3, 4, 0, 2, 8, 0, 0}, {2, 4});
  const float smoothing = 0.1f;
  struct Case {
    const char* what;
    IntTensor tgt_out;
    std::vector<int32_t> targets;
  };
  // Teacher forcing (targets at tgt_in's real positions) on packed layouts: every row has a
  // target. Other targets (here one real position has none) on padded layouts: every position
  // is computed and the target rows are picked.
  const nn::SequenceLayout packed_src = nn::SequenceLayout::packed(src, 0), packed_tgt = nn::SequenceLayout::packed(tgt_in, 0);
  const nn::SequenceLayout padded_src = nn::SequenceLayout::padded(src, 0), padded_tgt = nn::SequenceLayout::padded(tgt_in, 0);
  for (const Case& c : {Case{"packed", IntTensor({3, 4, 3, 0, 8, 3, 0, 0}, {2, 4}), {3, 4, 3, 8, 3}},
                        Case{"padded", IntTensor({3, 0, 3, 0, 8, 3, 0, 0}, {2, 4}), {3, 3, 8, 3}}}) {
    INFO(std::string(c.what));
    const bool packed = std::string(c.what) == "packed";
    const nn::SequenceLayout& src_layout = packed ? packed_src : padded_src;
    const nn::SequenceLayout& tgt_layout = packed ? packed_tgt : padded_tgt;
    const auto n = static_cast<int64_t>(c.targets.size());
    const Tensor full = cross_entropy(reshape(model.forward(src, tgt_in), {8, 9}),
                                      IntTensor(c.tgt_out.values, {8}), 0, smoothing);
    model.zero_grad();
    full.backward();
    std::vector<std::vector<float>> full_grads;
    for (const Tensor& p : model.parameters()) full_grads.push_back(p.grad().to_vector());
    model.zero_grad();

    const nn::TargetLogits out = model.forward_targets(src, src_layout, tgt_in, tgt_layout, c.tgt_out);
    CHECK(out.logits.shape() == Shape{n, 9});
    CHECK(out.targets.values == c.targets);
    int64_t counted = 0;
    const Tensor kept = cross_entropy(out.logits, out.targets, 0, smoothing, &counted);
    CHECK(counted == n);
    CHECK(kept.item() == doctest::Approx(full.item()).epsilon(1e-6));
    kept.backward();
    const std::vector<Tensor> params = model.parameters();
    for (size_t i = 0; i < params.size(); ++i) {
      const std::vector<float> g = params[i].grad().to_vector();
      for (size_t j = 0; j < g.size(); ++j) REQUIRE(g[j] == doctest::Approx(full_grads[i][j]).epsilon(1e-5));
    }
    check_gradients([&](const auto&) {
      const nn::TargetLogits t = model.forward_targets(src, src_layout, tgt_in, tgt_layout, c.tgt_out);
      return cross_entropy(t.logits, t.targets, 0, smoothing);
    }, model.parameters());
    model.zero_grad();
  }
  // No target at all: the loss is 0 and backward still runs.
  const nn::TargetLogits none =
      model.forward_targets(src, padded_src, tgt_in, padded_tgt, IntTensor(std::vector<int32_t>(8, 0), {2, 4}));
  CHECK(none.logits.shape() == Shape{8, 9});
  const Tensor zero = cross_entropy(none.logits, none.targets, 0);
  CHECK(zero.item() == 0.0f);
  zero.backward();
}

// model.attention = reference runs attention_reference in every layer: the same loss and the
// same gradients as the fused op, with dropout on (the two draw the same masks) and a ragged,
// packed batch, so a learner can step through the whole model that training runs.
TEST_CASE("Transformer: the reference attention gives the fused model's loss and every gradient") {
  const IntTensor src({3, 4, 5, 6, 0, 6, 2, 0, 0, 0, 5, 5, 4, 3, 2}, {3, 5});
  const IntTensor tgt_in({2, 3, 4, 0, 2, 8, 7, 6, 2, 5, 0, 0}, {3, 4});
  const IntTensor tgt_out({3, 4, 3, 0, 8, 7, 6, 3, 5, 3, 0, 0}, {3, 4});
  std::vector<std::vector<float>> grads[2];
  float losses[2];
  for (const nn::AttentionImpl impl : {nn::AttentionImpl::kFused, nn::AttentionImpl::kReference}) {
    const int which = impl == nn::AttentionImpl::kReference;
    manual_seed(27);
    nn::Transformer model({.src_vocab = 7, .tgt_vocab = 9,
                           .layer = {.d_model = 16, .heads = 4, .ff_dim = 24, .dropout = 0.2f, .attention = impl},
                           .encoder_layers = 2, .decoder_layers = 2});
    const nn::TargetLogits out = model.forward_targets(src, nn::SequenceLayout::packed(src, 0), tgt_in,
                                                       nn::SequenceLayout::packed(tgt_in, 0), tgt_out);
    const Tensor loss = cross_entropy(out.logits, out.targets, 0, 0.1f);
    loss.backward();
    losses[which] = loss.item();
    for (const Tensor& p : model.parameters()) grads[which].push_back(p.grad().to_vector());
  }
  CHECK(losses[1] == doctest::Approx(losses[0]).epsilon(1e-6));
  REQUIRE(grads[0].size() == grads[1].size());
  // Entries are compared to 1e-4 of the largest entry of their tensor: some are exactly 0 in
  // theory (the key bias cancels in the softmax) and float rounding leaves ~1e-9 there.
  for (size_t i = 0; i < grads[0].size(); ++i) {
    INFO("parameter ", i);
    REQUIRE(grads[0][i].size() == grads[1][i].size());
    float largest = 0.0f;
    for (const float g : grads[0][i]) largest = std::max(largest, std::abs(g));
    REQUIRE(largest > 0.0f);
    for (size_t j = 0; j < grads[0][i].size(); ++j)
      REQUIRE(grads[1][i][j] == doctest::Approx(grads[0][i][j]).epsilon(1e-4).scale(largest));
  }
}
