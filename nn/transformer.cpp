// The encoder-decoder Transformer; see transformer.h.
#include "nn/transformer.h"

#include <cmath>

#include "autograd/check.h"
#include "autograd/ops.h"
#include "nn/init.h"
#include "nn/observer.h"

namespace mt::nn {

LayerOptions TransformerOptions::layer() const {
  return {.d_model = d_model, .heads = heads, .ff_dim = ff_dim, .dropout = dropout, .activation = activation,
          .feed_forward = feed_forward,
          .norm_first = norm_first};
}

Encoder::Encoder(const LayerOptions& layer, int64_t count) {
  for (int64_t i = 0; i < count; ++i) {
    layers.push_back(register_module("layers." + std::to_string(i), std::make_shared<EncoderLayer>(layer)));
  }
  norm = register_module("norm", std::make_shared<LayerNorm>(layer.d_model, layer.eps));
}

Tensor Encoder::forward(const Tensor& x, const IntTensor* src_padding) const {
  Tensor h = x;
  for (const auto& layer : layers) h = layer->forward(h, src_padding);
  return norm->observed(norm->forward(h));
}

Decoder::Decoder(const LayerOptions& layer, int64_t count) {
  for (int64_t i = 0; i < count; ++i) {
    layers.push_back(register_module("layers." + std::to_string(i), std::make_shared<DecoderLayer>(layer)));
  }
  norm = register_module("norm", std::make_shared<LayerNorm>(layer.d_model, layer.eps));
}

Tensor Decoder::forward(const Tensor& y, const Tensor& memory, const IntTensor* tgt_padding,
                        const IntTensor* src_padding) const {
  Tensor h = y;
  for (const auto& layer : layers) h = layer->forward(h, memory, tgt_padding, src_padding);
  return norm->observed(norm->forward(h));
}

EncoderDecoder::EncoderDecoder(const TransformerOptions& o) {
  encoder = register_module("encoder", std::make_shared<Encoder>(o.layer(), o.encoder_layers));
  decoder = register_module("decoder", std::make_shared<Decoder>(o.layer(), o.decoder_layers));
  // As torch.nn.Transformer._reset_parameters: every matrix of the stacks is xavier-uniform.
  for (const Tensor& p : parameters()) {
    if (p.dim() > 1) {
      const Tensor fresh = xavier_uniform(p.shape());
      std::copy(fresh.data(), fresh.data() + fresh.numel(), p.data());
    }
  }
}

Transformer::Transformer(const TransformerOptions& o) : options(o) {
  MT_CHECK(o.src_vocab > 0 && o.tgt_vocab > 0, "Transformer: vocabulary sizes must be positive, got ", o.src_vocab,
           " and ", o.tgt_vocab);
  MT_CHECK(o.d_model > 0 && o.heads > 0 && o.d_model % o.heads == 0, "Transformer: d_model ", o.d_model,
           " is not divisible by heads ", o.heads);
  MT_CHECK(o.encoder_layers >= 0 && o.decoder_layers >= 0 && o.ff_dim > 0, "Transformer: bad layer sizes");
  src_embed = register_module("src_embed", std::make_shared<Embedding>(o.src_vocab, o.d_model, o.pad_id));
  tgt_embed = register_module("tgt_embed", std::make_shared<Embedding>(o.tgt_vocab, o.d_model, o.pad_id));
  positions = std::make_shared<PositionalEncoding>(o.d_model, o.max_len, o.learned_positions);
  if (o.learned_positions) register_module("pos_embed", positions);  // sinusoids are not saved
  embed_dropout = register_module("embed_dropout", std::make_shared<Dropout>(o.embedding_dropout ? o.dropout : 0.0f));
  transformer = register_module("transformer", std::make_shared<EncoderDecoder>(o));
  generator = register_module("generator", std::make_shared<Linear>(o.d_model, o.tgt_vocab));
  if (o.tie_output) {
    // One tensor under two names: updates to either are updates to both.
    generator->weight = tgt_embed->weight;
    generator->replace_parameter("weight", tgt_embed->weight);
  }
}

Tensor Transformer::embed(const Embedding& table, const IntTensor& ids, const char* what, int64_t offset) const {
  const Tensor x = table.observed(table.forward(ids) * std::sqrt(static_cast<float>(options.d_model)));  // [B, L, D]
  return observed(embed_dropout->forward(positions->forward(x, offset)), what);
}

Tensor Transformer::encode(const IntTensor& src) const { return encoder_states(src, false); }

Tensor Transformer::encoder_states(const IntTensor& src, bool packed) const {
  MT_CHECK(src.shape.size() == 2, "Transformer: source ids ", src.shape, " are not [B, S]");
  observe_ids(*this, "src", src);
  const IntTensor src_padding = padding_mask(src, options.pad_id);
  const Tensor x = embed(*src_embed, src, "src_embed+positions");  // [B, S, D]
  return transformer->encoder->forward(packed ? pack(x, src_padding) : x, &src_padding);  // [B, S, D] or [Ns, D]
}

Tensor Transformer::decoder_states(const IntTensor& tgt_in, const Tensor& memory, const IntTensor& src,
                                   bool packed) const {
  MT_CHECK(tgt_in.shape.size() == 2 && tgt_in.shape[0] == src.shape[0], "Transformer: target ids ", tgt_in.shape,
           " do not match source ids ", src.shape);
  const IntTensor src_padding = padding_mask(src, options.pad_id);
  const IntTensor tgt_padding = padding_mask(tgt_in, options.pad_id);
  observe_ids(*this, "tgt_in", tgt_in);
  const Tensor y = embed(*tgt_embed, tgt_in, "tgt_embed+positions");  // [B, T, D]
  return transformer->decoder->forward(packed ? pack(y, tgt_padding) : y, memory, &tgt_padding,
                                       &src_padding);  // [B, T, D] or [Nt, D]
}

Tensor Transformer::decode(const IntTensor& tgt_in, const Tensor& memory, const IntTensor& src) const {
  return generator->observed(generator->forward(decoder_states(tgt_in, memory, src)));  // [B, T, V]
}

Tensor Transformer::forward(const IntTensor& src, const IntTensor& tgt_in) const {
  return decode(tgt_in, encode(src), src);
}

TargetLogits Transformer::forward_targets(const IntTensor& src, const IntTensor& tgt_in,
                                          const IntTensor& tgt_out) const {
  MT_CHECK(src.shape.size() == 2 && tgt_in.shape.size() == 2 && tgt_in.shape[0] == src.shape[0] &&
               tgt_out.numel() == tgt_in.numel(),
           "Transformer: source ids ", src.shape, ", target ids ", tgt_in.shape, " and targets ", tgt_out.shape,
           " do not match");
  const IntTensor rows = packed_rows(padding_mask(IntTensor(tgt_out.values, tgt_in.shape), options.pad_id));
  std::vector<int32_t> kept;  // the targets, in row order
  for (const int32_t r : rows.values) kept.push_back(tgt_out.values[r]);
  const IntTensor targets(kept, {rows.numel()});
  if (rows.numel() == 0) {  // every target is padding: all logits, all ignored, the loss is 0
    return {reshape(forward(src, tgt_in), {-1, options.tgt_vocab}), IntTensor(tgt_out.values, {tgt_out.numel()})};
  }
  const bool has_source = packed_rows(padding_mask(src, options.pad_id)).numel() > 0;
  if (rows.values == packed_rows(padding_mask(tgt_in, options.pad_id)).values && has_source) {
    // Teacher forcing puts every target at a real input position (<bos> a b / a b <eos>), so
    // the whole model runs packed: every layer computes the real positions only.
    const Tensor h = decoder_states(tgt_in, encoder_states(src, true), src, true);  // [Nt, D]
    return {generator->observed(generator->forward(h)), targets};  // [Nt, V]
  }
  // Targets elsewhere: the padded forward, and the generator on the target positions' rows.
  const Tensor h = decoder_states(tgt_in, encode(src), src);  // [B, T, D]
  return {generator->observed(generator->forward(gather_rows(reshape(h, {-1, options.d_model}), rows))), targets};
}

DecoderCache Transformer::start_decoding(const Tensor& memory, const IntTensor& src, int64_t capacity) const {
  MT_CHECK(capacity >= 1 && capacity <= options.max_len, "decoding: capacity ", capacity, " outside [1, max_len ",
           options.max_len, "]");
  DecoderCache cache;
  cache.capacity = capacity;
  cache.src_padding = padding_mask(src, options.pad_id);
  const int64_t n = memory.size(0);
  for (const auto& layer : transformer->decoder->layers) {
    cache.layers.push_back({zeros({n, capacity, 2 * options.d_model}), layer->cross_attn->project(memory, 1, 2)});
  }
  return cache;
}

Tensor Transformer::decode_step(const std::vector<int32_t>& tokens, DecoderCache& cache) const {
  const int64_t n = static_cast<int64_t>(tokens.size());
  MT_CHECK(n == cache.src_padding.shape[0], "decoding: ", n, " tokens for ", cache.src_padding.shape[0], " rows");
  MT_CHECK(cache.length < cache.capacity, "decoding: the cache holds ", cache.capacity, " positions");
  Tensor h = embed(*tgt_embed, IntTensor(tokens, {n, 1}), "tgt_embed+positions", cache.length);  // [N, 1, D]
  const auto& layers = transformer->decoder->layers;
  for (size_t i = 0; i < layers.size(); ++i) h = layers[i]->step(h, cache.layers[i], cache.length, &cache.src_padding);
  ++cache.length;
  return view(generator->forward(transformer->decoder->norm->forward(h)), {n, options.tgt_vocab});
}

std::string Transformer::extra_repr() const {
  return str("d_model=", options.d_model, ", heads=", options.heads, ", layers=", options.encoder_layers, "+",
             options.decoder_layers, ", ff=", options.ff_dim, ", vocab=", options.src_vocab, "/", options.tgt_vocab,
             options.norm_first ? ", pre-LN" : ", post-LN", options.tie_output ? ", tied output" : "");
}

}  // namespace mt::nn
