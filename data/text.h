// Text handling shared by the data pipeline and evaluation: UTF-8 validation and decoding,
// Unicode whitespace (the characters Python's str.split() splits on, so that tokens and scores
// agree with sacreBLEU's), Unicode lowercasing, and whitespace tokenization. Read next:
// corpus_file.h.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace mt::data {

/// Byte offset of the first invalid UTF-8 sequence in `text`, or -1 if it is valid
/// (overlong forms, surrogates and code points above U+10FFFF are invalid).
long utf8_error_offset(std::string_view text);

/// The code points of valid UTF-8 text.
std::u32string utf8_decode(std::string_view text);
/// The UTF-8 encoding of code points.
std::string utf8_encode(std::u32string_view text);

/// Whether `c` is whitespace for Python's str.split(): ASCII \t \n \v \f \r and space, the
/// separators U+001C-U+001F, U+0085, U+00A0, U+1680, U+2000-U+200A, U+2028, U+2029, U+202F,
/// U+205F and U+3000.
bool is_unicode_space(char32_t c);

/// Splits on Unicode whitespace, as Python's str.split() does.
std::vector<std::string> split_whitespace(std::string_view line);

/// `text` without trailing Unicode whitespace (Python's str.rstrip()).
std::string_view rstrip(std::string_view text);

/// Unicode lowercasing, one code point at a time by the C library's case table (C.UTF-8):
/// "ÄÖÜ ΣΑΣ" -> "äöü σασ". Unlike Python's str.lower(), a final sigma stays σ.
std::string lowercase(std::string_view text);

/// Splits on Unicode whitespace; with `lowercase`, lowercases first.
std::vector<std::string> tokenize(std::string_view line, bool lowercase);

/// Joins tokens with single spaces.
std::string join(const std::vector<std::string>& tokens);

/// `v` with `digits` after the point ("39.70"), for logs and reports.
std::string fixed(double v, int digits);

/// A duration for people: "0.02 s", "1.3 s", "45 s".
std::string seconds_text(double seconds);

}  // namespace mt::data
