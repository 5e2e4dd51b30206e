// UTF-8, Unicode whitespace and lowercasing, whitespace tokenization; see text.h.
#include "data/text.h"

#include <cstdio>
#include <locale.h>
#include <wctype.h>

#include <cstdint>

#include "autograd/check.h"

namespace mt::data {
namespace {

// The length of the UTF-8 sequence starting with `c`, 0 for a byte no sequence starts with.
size_t sequence_length(unsigned char c) {
  if (c < 0x80) return 1;
  if ((c & 0xE0) == 0xC0) return 2;
  if ((c & 0xF0) == 0xE0) return 3;
  if ((c & 0xF8) == 0xF0) return 4;
  return 0;
}

// Calls visit(code point, byte offset, byte length) for each character of valid UTF-8 text.
template <typename Visit>
void for_each_code_point(std::string_view text, const Visit& visit) {
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  for (size_t i = 0; i < text.size();) {
    const size_t len = sequence_length(s[i]);
    if (len == 0 || i + len > text.size()) {  // invalid: passed through byte by byte
      visit(static_cast<char32_t>(s[i]), i, size_t{1});
      ++i;
      continue;
    }
    char32_t cp = len == 1 ? s[i] : s[i] & (0x7F >> len);
    for (size_t k = 1; k < len; ++k) cp = (cp << 6) | (s[i + k] & 0x3F);
    visit(cp, i, len);
    i += len;
  }
}

// glibc's C.UTF-8 locale holds the Unicode case table; made once.
locale_t utf8_locale() {
  static const locale_t locale = newlocale(LC_CTYPE_MASK, "C.UTF-8", static_cast<locale_t>(0));
  MT_CHECK(locale != static_cast<locale_t>(0), "lowercase: the C.UTF-8 locale is missing from the C library");
  return locale;
}

}  // namespace

long utf8_error_offset(std::string_view text) {
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  const size_t n = text.size();
  for (size_t i = 0; i < n;) {
    const size_t len = sequence_length(s[i]);
    if (len == 0 || i + len > n) return static_cast<long>(i);
    uint32_t cp = len == 1 ? s[i] : s[i] & (0x7F >> len);
    for (size_t k = 1; k < len; ++k) {
      if ((s[i + k] & 0xC0) != 0x80) return static_cast<long>(i);
      cp = (cp << 6) | (s[i + k] & 0x3F);
    }
    const bool overlong = (len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000);
    if (overlong || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) return static_cast<long>(i);
    i += len;
  }
  return -1;
}

std::u32string utf8_decode(std::string_view text) {
  std::u32string out;
  for_each_code_point(text, [&](char32_t cp, size_t, size_t) { out.push_back(cp); });
  return out;
}

std::string utf8_encode(std::u32string_view text) {
  std::string out;
  for (const char32_t c : text) {
    if (c < 0x80) {
      out += static_cast<char>(c);
    } else if (c < 0x800) {
      out += static_cast<char>(0xC0 | (c >> 6)), out += static_cast<char>(0x80 | (c & 0x3F));
    } else if (c < 0x10000) {
      out += static_cast<char>(0xE0 | (c >> 12)), out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (c & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (c >> 18)), out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((c >> 6) & 0x3F)), out += static_cast<char>(0x80 | (c & 0x3F));
    }
  }
  return out;
}

bool is_unicode_space(char32_t c) {
  return (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x20) || c == 0x85 || c == 0xA0 || c == 0x1680 ||
         (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000;
}

std::vector<std::string> split_whitespace(std::string_view line) {
  std::vector<std::string> tokens;
  size_t start = std::string_view::npos;  // of the token in progress
  for_each_code_point(line, [&](char32_t cp, size_t at, size_t) {
    if (is_unicode_space(cp)) {
      if (start != std::string_view::npos) tokens.emplace_back(line.substr(start, at - start));
      start = std::string_view::npos;
    } else if (start == std::string_view::npos) {
      start = at;
    }
  });
  if (start != std::string_view::npos) tokens.emplace_back(line.substr(start));
  return tokens;
}

std::string_view rstrip(std::string_view text) {
  size_t end = 0;  // just past the last character that is not whitespace
  for_each_code_point(text, [&](char32_t cp, size_t at, size_t len) {
    if (!is_unicode_space(cp)) end = at + len;
  });
  return text.substr(0, end);
}

std::string lowercase(std::string_view text) {
  std::u32string cps = utf8_decode(text);
  const locale_t locale = utf8_locale();
  for (char32_t& c : cps) {
    if (c >= 'A' && c <= 'Z') c += 'a' - 'A';
    else if (c >= 0x80) c = static_cast<char32_t>(towlower_l(static_cast<wint_t>(c), locale));
  }
  return utf8_encode(cps);
}

std::vector<std::string> tokenize(std::string_view line, bool lower) {
  return lower ? split_whitespace(lowercase(line)) : split_whitespace(line);
}

std::string join(const std::vector<std::string>& tokens) {
  std::string out;
  for (size_t i = 0; i < tokens.size(); ++i) {
    if (i) out += ' ';
    out += tokens[i];
  }
  return out;
}

std::string fixed(double v, int digits) {
  char text[48];
  std::snprintf(text, sizeof(text), "%.*f", digits, v);
  return text;
}

std::string seconds_text(double seconds) {
  return fixed(seconds, seconds < 1.0 ? 2 : seconds < 10.0 ? 1 : 0) + " s";
}

}  // namespace mt::data
