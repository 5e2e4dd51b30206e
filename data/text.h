// Text handling shared by the data pipeline and evaluation: UTF-8 validation, whitespace
// tokenization with optional lowercasing. Read next: vocab.h.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace mt::data {

/// Byte offset of the first invalid UTF-8 sequence in `text`, or -1 if it is valid
/// (overlong forms, surrogates and code points above U+10FFFF are invalid).
long utf8_error_offset(std::string_view text);

/// Splits on ASCII whitespace; with `lowercase`, ASCII letters are lowercased (other UTF-8
/// characters are kept as they are).
std::vector<std::string> tokenize(std::string_view line, bool lowercase);

/// Joins tokens with single spaces.
std::string join(const std::vector<std::string>& tokens);

}  // namespace mt::data
