// Vocabulary; see vocab.h.
#include "data/vocab.h"

#include <algorithm>
#include <fstream>

#include "autograd/check.h"
#include "data/text.h"
#include "data/atomic_file.h"

namespace mt::data {
namespace {
const char* const kSpecials[] = {"<pad>", "<unk>", "<bos>", "<eos>"};
}

Vocab::Vocab() {
  for (const char* s : kSpecials) add(s);
}

void Vocab::add(const std::string& token) {
  ids_.emplace(token, static_cast<int32_t>(tokens_.size()));
  tokens_.push_back(token);
}

Vocab Vocab::build(const std::vector<std::vector<std::string>>& sentences, int64_t min_freq, int64_t max_size) {
  std::unordered_map<std::string, int64_t> counts;
  for (const auto& sentence : sentences)
    for (const auto& token : sentence) ++counts[token];
  return from_counts(counts, min_freq, max_size);
}

Vocab Vocab::from_counts(const std::unordered_map<std::string, int64_t>& counts, int64_t min_freq, int64_t max_size) {
  MT_CHECK(min_freq >= 1, "vocabulary: min_freq must be >= 1, got ", min_freq);
  MT_CHECK(max_size == 0 || max_size > 4, "vocabulary: max_size must be 0 (no limit) or more than the 4 specials, got ",
           max_size);
  std::vector<std::pair<std::string, int64_t>> ranked(counts.begin(), counts.end());
  std::sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) {  // by count, ties alphabetical
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  });
  Vocab vocab;
  for (const auto& [token, count] : ranked) {
    if (count < min_freq || (max_size > 0 && vocab.size() >= max_size)) break;
    if (vocab.ids_.count(token)) continue;  // a corpus token spelled like a special
    vocab.add(token);
  }
  return vocab;
}

Vocab Vocab::from_tokens(const std::vector<std::string>& tokens) {
  Vocab vocab;
  for (const std::string& token : tokens) {
    MT_CHECK(!vocab.ids_.count(token), "vocabulary: token '", token, "' appears twice");
    vocab.add(token);
  }
  return vocab;
}

Vocab Vocab::load(const std::string& path) {
  std::ifstream in(path);
  MT_CHECK(in.good(), path, ": cannot open vocabulary file");
  Vocab vocab;
  vocab.tokens_.clear();
  vocab.ids_.clear();
  std::string line;
  for (int64_t n = 1; std::getline(in, line); ++n) {
    MT_CHECK(utf8_error_offset(line) < 0, path, ":", n, ": invalid UTF-8");
    MT_CHECK(!line.empty() && tokenize(line, false).size() == 1 && tokenize(line, false)[0] == line, path, ":", n,
             ": a vocabulary line must hold exactly one token, got '", line, "'");
    MT_CHECK(!vocab.ids_.count(line), path, ":", n, ": token '", line, "' appears twice");
    if (n <= 4) MT_CHECK(line == kSpecials[n - 1], path, ":", n, ": expected special token ", kSpecials[n - 1]);
    vocab.add(line);
  }
  MT_CHECK(vocab.size() >= 4, path, ": a vocabulary needs at least the 4 special tokens");
  return vocab;
}

void Vocab::save(const std::string& path) const {
  std::string text;
  for (const auto& token : tokens_) text += token + "\n";
  write_file_atomically(path, text);
}

int32_t Vocab::id(const std::string& token) const {
  auto it = ids_.find(token);
  return it == ids_.end() ? kUnk : it->second;
}

const std::string& Vocab::token(int32_t id) const {
  MT_CHECK(id >= 0 && id < size(), "vocabulary: id ", id, " out of range for ", size(), " tokens");
  return tokens_[id];
}

std::vector<int32_t> Vocab::encode(const std::vector<std::string>& tokens) const {
  std::vector<int32_t> out;
  out.reserve(tokens.size());
  for (const auto& t : tokens) out.push_back(id(t));
  return out;
}

std::vector<std::string> Vocab::decode(const std::vector<int32_t>& ids) const {
  std::vector<std::string> out;
  for (int32_t i : ids) {
    if (i == kEos) break;
    if (i == kPad || i == kBos) continue;
    out.push_back(token(i));
  }
  return out;
}

}  // namespace mt::data
