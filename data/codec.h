// A codec: the tokenizers and vocabularies of both sides of a model, together the way from
// source text to ids and from target ids back to text. Read next: batcher.h.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "data/tokenizer.h"
#include "data/vocab.h"

namespace mt::data {

struct Codec {
  std::shared_ptr<const Tokenizer> src_tokenizer = std::make_shared<WhitespaceTokenizer>();
  std::shared_ptr<const Tokenizer> tgt_tokenizer = src_tokenizer;
  Vocab src_vocab, tgt_vocab;

  /// The ids of a source line (unknown tokens become <unk>).
  std::vector<int32_t> encode_source(std::string_view text) const { return src_vocab.encode(src_tokenizer->encode(text)); }
  /// The ids of a target line.
  std::vector<int32_t> encode_target(std::string_view text) const { return tgt_vocab.encode(tgt_tokenizer->encode(text)); }
  /// The text of target ids (up to <eos>).
  std::string decode_target(const std::vector<int32_t>& ids) const { return tgt_tokenizer->decode(tgt_vocab.decode(ids)); }
};

}  // namespace mt::data
