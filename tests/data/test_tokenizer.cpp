// Tests of text handling beyond ASCII, corpus files as users download them (gzip, a byte-order
// mark, CRLF, corrupt data), and the tokenizers: SentencePiece trained here on a shipped sample
// (tests/data/sample.tsv, written for these tests), saved, loaded, exact round trips, subword
// sampling that is seeded and never touches encode(), and the errors of bad models and sizes.
#include <unistd.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>

#include "data/corpus_file.h"
#include "data/parallel_corpus.h"
#include "data/text.h"
#include "data/tokenizer.h"
#include "tests/reference.h"

using namespace mt;
using namespace mt::data;
using namespace mt::testing;
namespace fs = std::filesystem;

namespace {

struct TempDir {
  TempDir() : dir(fs::temp_directory_path() / ("minitrans_tok_" + std::to_string(::getpid()) + "_" + std::to_string(n++))) {
    fs::create_directories(dir);
  }
  ~TempDir() { fs::remove_all(dir); }
  std::string path(const std::string& name) const { return (dir / name).string(); }
  std::string write(const std::string& name, const std::string& bytes) const {
    std::ofstream(dir / name, std::ios::binary) << bytes;
    return path(name);
  }
  std::string write_gz(const std::string& name, const std::string& text) const {
    gzFile f = gzopen(path(name).c_str(), "wb");
    REQUIRE(f != nullptr);
    REQUIRE(gzwrite(f, text.data(), static_cast<unsigned>(text.size())) == static_cast<int>(text.size()));
    gzclose(f);
    return path(name);
  }
  fs::path dir;
  static inline int n = 0;
};

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

const std::vector<TextPair>& sample() {
  static const std::vector<TextPair> pairs = read_tsv_text(std::string(MT_SOURCE_DIR) + "/tests/data/sample.tsv");
  return pairs;
}

std::vector<std::string> sample_side(bool target) {
  std::vector<std::string> lines;
  for (const TextPair& p : sample()) lines.push_back(target ? p.tgt : p.src);
  return lines;
}

}  // namespace

TEST_CASE("text: whitespace is Python's str.split() set, lowercasing is Unicode") {
  // U+00A0 no-break space, U+3000 ideographic space, U+2028 line separator, U+0085 next line,
  // U+001F unit separator: all split; U+200B zero-width space is not whitespace for Python.
  CHECK(split_whitespace("a\u00a0b\u3000c\u2028d\u0085e\x1f" "f") ==
        std::vector<std::string>{"a", "b", "c", "d", "e", "f"});
  CHECK(split_whitespace("a\u200bb") == std::vector<std::string>{"a\u200bb"});
  CHECK(split_whitespace(" \t\u2003 ").empty());
  CHECK(rstrip("ab \u00a0\u3000") == "ab");
  CHECK(rstrip("\u00e9t\u00e9") == "\u00e9t\u00e9");
  CHECK(lowercase("ÄÖÜ ΣΑΣ Éte ÇA İ") == "äöü σασ éte ça i");  // simple case mapping: İ -> i (Python: i + U+0307)
  CHECK(lowercase("Straße") == "straße");
  CHECK(utf8_encode(utf8_decode("a\u00e9\u20ac\U0001F600")) == "a\u00e9\u20ac\U0001F600");
  CHECK(utf8_decode("\u20ac").size() == 1);
}

TEST_CASE("corpus files: gzip read directly, byte-order mark and CRLF dropped, corrupt data named") {
  TempDir t;
  const std::string text = "\xEF\xBB\xBFZwei Männer.\r\nEin Hund.\nlast line without newline";
  const std::vector<std::string> expected = {"Zwei Männer.", "Ein Hund.", "last line without newline"};
  CHECK(read_lines(t.write("plain.txt", text)) == expected);
  const std::string gz = t.write_gz("c.de.gz", text);
  CHECK(read_bytes(gz).substr(0, 2) == "\x1f\x8b");  // really gzip
  CHECK(read_lines(gz) == expected);
  // Invalid UTF-8 inside a gzip file still names the file and line.
  check_error([&] { read_lines(t.write_gz("bad.gz", "ok\nnot \xff ok\n")); }, {"bad.gz:2", "invalid UTF-8", "byte 5"});
  // Truncated: the stream ends early.
  std::string many;
  for (int i = 0; i < 20000; ++i) many += "line " + std::to_string(i * 7919 % 100003) + "\n";
  const std::string whole = read_bytes(t.write_gz("whole.gz", many));
  check_error([&] { read_lines(t.write("cut.gz", whole.substr(0, whole.size() / 2))); }, {"cut.gz", "gzip"});
  // Corrupt: bytes in the middle of the deflate stream overwritten.
  std::string broken = whole;
  for (size_t i = broken.size() / 3; i < broken.size() / 3 + 64; ++i) broken[i] = static_cast<char>(0xA5 ^ i);
  check_error([&] { read_lines(t.write("corrupt.gz", broken)); }, {"corrupt.gz", "gzip"});
  check_error([&] { read_lines(t.path("missing.gz")); }, {"missing.gz", "cannot open"});
  // Pairs from .gz files, the empty-line check as for plain files.
  const auto pairs = read_parallel_text(t.write_gz("p.de.gz", "a b\nc\n"), t.write_gz("p.en.gz", "x\ny z\n"));
  REQUIRE(pairs.size() == 2);
  CHECK(pairs[1].tgt == "y z");
  check_error([&] { read_parallel_text(t.write_gz("q.de.gz", "a\n\u3000\n"), t.write_gz("q.en.gz", "x\ny\n")); },
              {"q.de.gz:2", "empty"});
}

TEST_CASE("SentencePiece: trained on the sample, saved, loaded, exact round trips") {
  TempDir t;
  for (const SubwordModel model : {SubwordModel::kUnigram, SubwordModel::kBpe}) {
    CAPTURE(static_cast<int>(model));
    const std::string serialized =
        SentencePieceTokenizer::train(sample_side(false), {.model = model, .vocab_size = 150}, "test");
    const SentencePieceTokenizer trained(serialized, false, 0.0f, "trained");
    const std::vector<std::string> vocabulary = trained.vocabulary();
    CHECK(vocabulary.size() == 150 - 3);  // <unk>, <s>, </s> are the model's own specials
    CHECK(std::find(vocabulary.begin(), vocabulary.end(), "<unk>") == vocabulary.end());
    trained.save(t.path("m.model"));
    const auto loaded = SentencePieceTokenizer::load(t.path("m.model"), false, 0.0f);
    CHECK(loaded->vocabulary() == vocabulary);
    size_t pieces = 0, words = 0;
    for (const std::string& line : sample_side(false)) {
      const std::vector<std::string> tokens = trained.encode(line);
      CHECK(loaded->encode(line) == tokens);
      CHECK(trained.decode(tokens) == line);  // exact: raw -> pieces -> detokenized
      CHECK(trained.reference(line) == line);
      pieces += tokens.size();
      words += split_whitespace(line).size();
    }
    CHECK(pieces > words);  // words are cut into pieces
    CHECK(pieces < 8 * words);
  }
}

TEST_CASE("SentencePiece: lowercasing happens before the model, references included") {
  const std::string serialized = SentencePieceTokenizer::train(sample_side(true), {.vocab_size = 120}, "test");
  const SentencePieceTokenizer lower(serialized, true, 0.0f, "lower");
  CHECK(lower.reference("Two YOUNG Men") == "two young men");
  CHECK(lower.decode(lower.encode("Two YOUNG Men")) == "two young men");
}

TEST_CASE("SentencePiece: subword sampling is seeded, varies, and never changes encode()") {
  const std::string serialized = SentencePieceTokenizer::train(sample_side(true), {.vocab_size = 150}, "test");
  const SentencePieceTokenizer best(serialized, false, 0.0f, "best");
  const SentencePieceTokenizer sampling(serialized, false, 0.5f, "sampling");
  const std::vector<std::string> lines = sample_side(true);
  const auto a = sampling.sample(lines, 7), b = sampling.sample(lines, 7), c = sampling.sample(lines, 8);
  CHECK(a == b);  // the same seed draws the same segmentations
  CHECK(a != c);
  size_t differ = 0;
  for (size_t i = 0; i < lines.size(); ++i) {
    CHECK(sampling.encode(lines[i]) == best.encode(lines[i]));  // validation and test: the best one
    CHECK(best.decode(a[i]) == lines[i]);                         // a drawn segmentation is still the line
    differ += a[i] != best.encode(lines[i]);
  }
  CHECK(differ > lines.size() / 4);
  CHECK(best.sample(lines, 7) == best.sample(lines, 9));  // alpha 0: no sampling
  for (size_t i = 0; i < lines.size(); ++i) CHECK(best.sample(lines, 7)[i] == best.encode(lines[i]));
}

TEST_CASE("SentencePiece: bad models and sizes are errors that name them") {
  TempDir t;
  check_error([&] { SentencePieceTokenizer::load(t.path("none.model"), false, 0.0f); },
              {"none.model", "cannot open the SentencePiece model"});
  check_error([&] { SentencePieceTokenizer::load(t.write("empty.model", ""), false, 0.0f); }, {"empty.model", "empty"});
  check_error([&] { SentencePieceTokenizer::load(t.write("junk.model", "this is not a model\n"), false, 0.0f); },
              {"junk.model", "not a SentencePiece model"});
  check_error([&] { SentencePieceTokenizer::train(sample_side(false), {.vocab_size = 20}, "data.spm_vocab_size = 20"); },
              {"data.spm_vocab_size = 20", "SentencePiece training", "required_chars"});
  check_error([&] { SentencePieceTokenizer::train(sample_side(false), {.vocab_size = 5000}, "data.spm_vocab_size = 5000"); },
              {"data.spm_vocab_size = 5000", "too high"});
}
