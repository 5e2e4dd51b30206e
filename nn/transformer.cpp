// The encoder-decoder Transformer; see transformer.h.
#include "nn/transformer.h"

#include <cmath>

#include "autograd/check.h"
#include "autograd/ops.h"
#include "nn/init.h"
#include "nn/observer.h"

namespace mt::nn {

Encoder::Encoder(const LayerOptions& layer, int64_t count) {
  for (int64_t i = 0; i < count; ++i) {
    layers.push_back(register_module("layers." + std::to_string(i), std::make_shared<EncoderLayer>(layer)));
  }
  norm = register_module("norm", make_norm(layer.norm, layer.d_model, layer.eps));
}

Tensor Encoder::forward(const Tensor& x, const SequenceLayout& layout) const {
  Tensor h = x;
  for (const auto& layer : layers) h = layer->observed(layer->forward(h, layout));
  return norm->observed(norm->forward(h));
}

Decoder::Decoder(const LayerOptions& layer, int64_t count) {
  for (int64_t i = 0; i < count; ++i) {
    layers.push_back(register_module("layers." + std::to_string(i), std::make_shared<DecoderLayer>(layer)));
  }
  norm = register_module("norm", make_norm(layer.norm, layer.d_model, layer.eps));
}

Tensor Decoder::forward(const Tensor& y, const SequenceLayout& layout, const Tensor& memory,
                        const SequenceLayout& memory_layout) const {
  Tensor h = y;
  for (const auto& layer : layers) h = layer->observed(layer->forward(h, layout, memory, memory_layout));
  return norm->observed(norm->forward(h));
}

EncoderDecoder::EncoderDecoder(const TransformerOptions& o) {
  encoder = register_module("encoder", std::make_shared<Encoder>(o.layer, o.encoder_layers));
  decoder = register_module("decoder", std::make_shared<Decoder>(o.layer, o.decoder_layers));
  // As torch.nn.Transformer._reset_parameters: every matrix of the stacks is xavier-uniform.
  for (const Tensor& p : parameters()) {
    if (p.dim() > 1) {
      const Tensor fresh = xavier_uniform(p.shape());
      std::copy(fresh.data(), fresh.data() + fresh.numel(), p.data());
    }
  }
}

namespace {

// Makes a module's weight (its member and its parameter "weight") the given table: one tensor
// under two names, so updates to either are updates to both.
void share_weight(Module& owner, Tensor& weight, const Tensor& table) {
  weight = table;
  owner.replace_parameter("weight", table);
}

}  // namespace

Transformer::Transformer(const TransformerOptions& o) : options(o) {
  const int64_t d = o.layer.d_model;
  MT_CHECK(o.src_vocab > 0 && o.tgt_vocab > 0, "Transformer: vocabulary sizes must be positive, got ", o.src_vocab,
           " and ", o.tgt_vocab);
  MT_CHECK(d > 0 && o.layer.heads > 0 && d % o.layer.heads == 0, "Transformer: d_model ", d,
           " is not divisible by heads ", o.layer.heads);
  MT_CHECK(o.encoder_layers >= 0 && o.decoder_layers >= 0 && o.layer.ff_dim > 0, "Transformer: bad layer sizes");
  src_embed = register_module("src_embed", std::make_shared<Embedding>(o.src_vocab, d, o.pad_id));
  tgt_embed = register_module("tgt_embed", std::make_shared<Embedding>(o.tgt_vocab, d, o.pad_id));
  if (o.embedding_init == EmbeddingInit::kScaled) {  // the same draws, std 1/sqrt(D)
    const float scale = 1.0f / std::sqrt(static_cast<float>(d));
    for (const Embedding* table : {src_embed.get(), tgt_embed.get()})
      for (int64_t i = 0; i < table->weight.numel(); ++i) table->weight.data()[i] *= scale;
  }
  if (o.tie_embeddings) {  // after the draws of both tables, so that every other draw stays the same
    MT_CHECK(o.src_vocab == o.tgt_vocab, "Transformer: tie_embeddings needs one vocabulary for both sides, got ",
             o.src_vocab, " and ", o.tgt_vocab, " tokens");
    share_weight(*src_embed, src_embed->weight, tgt_embed->weight);
  }
  positions = std::make_shared<PositionalEncoding>(d, o.max_positions, o.learned_positions);
  if (o.learned_positions) register_module("pos_embed", positions);  // sinusoids are not saved
  embed_dropout = register_module("embed_dropout",
                                  std::make_shared<Dropout>(o.embedding_dropout ? o.layer.dropout : 0.0f));
  transformer = register_module("transformer", std::make_shared<EncoderDecoder>(o));
  generator = register_module("generator", std::make_shared<Linear>(d, o.tgt_vocab));
  if (o.tie_output) share_weight(*generator, generator->weight, tgt_embed->weight);
}

Tensor Transformer::embed(const Embedding& table, const IntTensor& ids, const SequenceLayout& layout,
                          const char* what, int64_t offset) const {
  const float scale = std::sqrt(static_cast<float>(options.layer.d_model));
  const Tensor x = table.observed(table.forward(ids) * scale);                           // [B, L, D]
  return to_rows(observed(embed_dropout->forward(positions->forward(x, offset)), what), layout);  // [N, D]
}

Tensor Transformer::encoder_states(const IntTensor& src, const SequenceLayout& layout) const {
  observe_ids(*this, "src", src);
  return transformer->encoder->forward(embed(*src_embed, src, layout, "src_embed+positions"), layout);
}

Tensor Transformer::decoder_states(const IntTensor& tgt_in, const SequenceLayout& layout, const Tensor& memory,
                                   const SequenceLayout& memory_layout) const {
  observe_ids(*this, "tgt_in", tgt_in);
  const Tensor y = embed(*tgt_embed, tgt_in, layout, "tgt_embed+positions");  // [N, D]
  return transformer->decoder->forward(y, layout, memory, memory_layout);
}

Tensor Transformer::encode(const IntTensor& src) const {
  const SequenceLayout layout = SequenceLayout::padded(src, options.pad_id);
  return to_blocks(encoder_states(src, layout), layout);  // [B, S, D]
}

Tensor Transformer::forward(const IntTensor& src, const IntTensor& tgt_in) const {
  MT_CHECK(tgt_in.shape.size() == 2 && src.shape.size() == 2 && tgt_in.shape[0] == src.shape[0],
           "Transformer: target ids ", tgt_in.shape, " do not match source ids ", src.shape);
  const SequenceLayout src_layout = SequenceLayout::padded(src, options.pad_id);
  const SequenceLayout tgt_layout = SequenceLayout::padded(tgt_in, options.pad_id);
  const Tensor memory = encoder_states(src, src_layout);                    // [B·S, D]
  const Tensor h = decoder_states(tgt_in, tgt_layout, memory, src_layout);  // [B·T, D]
  return view(generator->observed(generator->forward(h)), {tgt_layout.batch, tgt_layout.length, options.tgt_vocab});
}

TargetLogits Transformer::forward_targets(const IntTensor& src, const SequenceLayout& src_layout,
                                          const IntTensor& tgt_in, const SequenceLayout& tgt_layout,
                                          const IntTensor& tgt_out) const {
  MT_CHECK(src.shape.size() == 2 && tgt_in.shape.size() == 2 && tgt_in.shape[0] == src.shape[0] &&
               tgt_out.numel() == tgt_in.numel(),
           "Transformer: source ids ", src.shape, ", target ids ", tgt_in.shape, " and targets ", tgt_out.shape,
           " do not match");
  // The rows that have a target to predict, and those targets (with teacher forcing on a packed
  // layout: every row). When no row has one, every row stays, each target ignored: the loss is 0.
  std::vector<int32_t> kept, targets;
  for (int64_t i = 0; i < tgt_layout.size(); ++i) {
    const int32_t target = tgt_out.values[tgt_layout.rows.values[i]];
    if (target != options.pad_id) kept.push_back(static_cast<int32_t>(i)), targets.push_back(target);
  }
  const Tensor memory = encoder_states(src, src_layout);                    // [Ns, D]
  const Tensor h = decoder_states(tgt_in, tgt_layout, memory, src_layout);  // [Nt, D]
  if (kept.empty()) {
    for (const int32_t r : tgt_layout.rows.values) targets.push_back(tgt_out.values[r]);
    return {generator->observed(generator->forward(h)), IntTensor(targets, {tgt_layout.size()})};
  }
  const auto r = static_cast<int64_t>(kept.size());
  const Tensor rows = r == tgt_layout.size() ? h : gather_rows(h, IntTensor(kept, {r}));  // [R, D]
  return {generator->observed(generator->forward(rows)), IntTensor(targets, {r})};  // [R, V]
}

DecoderCache Transformer::start_decoding(const Tensor& memory, const IntTensor& src, int64_t capacity) const {
  MT_CHECK(capacity >= 1 && capacity <= options.max_positions, "decoding: capacity ", capacity, " outside [1, max_positions ",
           options.max_positions, "]");
  DecoderCache cache;
  cache.capacity = capacity;
  cache.allocated = std::min<int64_t>(capacity, 16);  // doubled as the outputs grow
  cache.src_padding = SequenceLayout::padded(src, options.pad_id).padding;
  const int64_t n = memory.size(0), d = options.layer.d_model;
  for (const auto& layer : transformer->decoder->layers) {
    cache.layers.push_back({zeros({n, cache.allocated, 2 * d}), layer->cross_attn->project_kv(memory)});
  }
  return cache;
}

Tensor Transformer::decode_step(const std::vector<int32_t>& tokens, DecoderCache& cache) const {
  const int64_t n = static_cast<int64_t>(tokens.size());
  MT_CHECK(n == cache.src_padding.shape[0], "decoding: ", n, " tokens for ", cache.src_padding.shape[0], " rows");
  cache.make_room();
  const SequenceLayout one = SequenceLayout::single(n);
  Tensor h = embed(*tgt_embed, IntTensor(tokens, {n, 1}), one, "tgt_embed+positions", cache.length);  // [N, D]
  const auto& layers = transformer->decoder->layers;
  for (size_t i = 0; i < layers.size(); ++i) h = layers[i]->step(h, cache.layers[i], cache.length, cache.src_padding);
  ++cache.length;
  return generator->forward(transformer->decoder->norm->forward(h));  // [N, V]
}

std::string Transformer::extra_repr() const {
  const LayerOptions& l = options.layer;
  return str("d_model=", l.d_model, ", heads=", l.heads, ", layers=", options.encoder_layers, "+",
             options.decoder_layers, ", ff=", l.ff_dim, ", vocab=", options.src_vocab, "/", options.tgt_vocab,
             l.norm_first ? ", pre-LN" : ", post-LN", options.tie_output ? ", tied output" : "",
             options.tie_embeddings ? ", tied embeddings" : "");
}

}  // namespace mt::nn
