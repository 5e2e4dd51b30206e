// The prepared training set: finding, locking, opening and checking it; see prepared_set.h. The
// making is in prepare_corpus.cpp.
#include "train/run/prepared_set.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "autograd/check.h"
#include "data/example_file.h"
#include "train/run/config_options.h"
#include "train/run/tokenizers.h"

namespace mt {
namespace fs = std::filesystem;
namespace {

constexpr int kFormat = 1;  // of the set as a whole; examples.bin has a version of its own

// What a set is made from, as its key hashes it: the inputs' contents and the data options.
nlohmann::ordered_json description(const Config& c, const std::vector<data::CorpusFiles>& corpora,
                                   nlohmann::ordered_json& inputs) {
  const DataConfig& d = c.data;
  const auto content = [](const nlohmann::ordered_json& id) {
    return nlohmann::ordered_json{{"bytes", id["bytes"]}, {"crc32", id["crc32"]}};
  };
  nlohmann::ordered_json what = {{"format", kFormat}, {"corpora", nlohmann::ordered_json::array()}};
  for (const data::CorpusFiles& corpus : corpora) {
    nlohmann::ordered_json files = nlohmann::ordered_json::object();
    for (const auto& [side, path] : {std::pair{"src", corpus.src}, {"tgt", corpus.tgt}, {"tsv", corpus.tsv}}) {
      if (path.empty()) continue;
      const nlohmann::ordered_json id = file_identity(path, "corpus file");
      inputs.push_back({{"path", path}, {"bytes", id["bytes"]}, {"mtime", id["mtime"]}, {"crc32", id["crc32"]}});
      files[side] = content(id);
    }
    what["corpora"].push_back(files);
  }
  nlohmann::ordered_json options;
  config_detail::visit_options(c, [&](const char* key, const auto& field, const char*) {
    const std::string k = key;
    static const char* const shaping[] = {"data.lowercase", "data.tokenizer", "data.spm_type", "data.spm_vocab_size",
                                          "data.spm_character_coverage", "data.min_freq", "data.max_vocab",
                                          "data.shared_vocab", "data.max_len", "data.max_ratio", "data.spm_max_lines"};
    for (const char* s : shaping) {
      if (k == s) options[k] = config_detail::format(field);
    }
  });
  for (const auto& [key, path] : {std::pair{"data.spm_model", d.spm_model}, {"data.spm_src_model", d.spm_src_model},
                                  {"data.spm_tgt_model", d.spm_tgt_model}}) {
    if (!path.empty()) options[key] = content(file_identity(path, "the SentencePiece model"));
  }
  what["options"] = options;
  return what;
}

std::string hex_key(const std::string& text) {  // FNV-1a, 64 bits
  uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char ch : text) h = (h ^ ch) * 0x100000001b3ull;
  char out[17];
  std::snprintf(out, sizeof(out), "%016llx", static_cast<unsigned long long>(h));
  return out;
}

// An exclusive lock on `path` for the life of the object; released by the kernel if the process dies.
class FileLock {
 public:
  FileLock(const std::string& path, const std::string& what, std::ostream& log)
      : fd_(::open(path.c_str(), O_RDWR | O_CREAT, 0644)) {
    MT_CHECK(fd_ >= 0, path, ": cannot create the lock file: ", std::strerror(errno));
    if (::flock(fd_, LOCK_EX | LOCK_NB) == 0) return;
    log << "data: waiting for another process preparing " << what << "\n" << std::flush;
    while (::flock(fd_, LOCK_EX) != 0) MT_CHECK(errno == EINTR, path, ": cannot lock: ", std::strerror(errno));
  }
  ~FileLock() { ::close(fd_); }

 private:
  int fd_;
};

// The set in `dir` if it is whole and made from `what`; throws an Error saying what is wrong.
PreparedSet open_set(const Config& c, const std::string& dir, const nlohmann::ordered_json& what) {
  const std::string manifest_path = dir + "/manifest.json";
  std::ifstream in(manifest_path);
  MT_CHECK(in.good(), manifest_path, ": missing");
  PreparedSet set;
  set.dir = dir;
  set.manifest = nlohmann::ordered_json::parse(in, nullptr, /*allow_exceptions=*/false);
  MT_CHECK(set.manifest.is_object() && set.manifest.contains("made_from"), manifest_path, ": not a manifest");
  MT_CHECK(set.manifest["made_from"] == what, manifest_path, ": made from other inputs or options");
  const std::string examples = dir + "/examples.bin";
  MT_CHECK(set.manifest["examples_bytes"] == static_cast<int64_t>(fs::file_size(examples)), examples,
           ": its size differs from the manifest's");
  set.examples = data::open_example_file(examples);
  MT_CHECK(set.manifest["pairs"] == set.examples.size(), examples, ": its pair count differs from the manifest's");
  load_tokenizers(c, dir, set.codec);
  set.codec.src_vocab = data::Vocab::load(dir + "/src_vocab.txt");
  set.codec.tgt_vocab = data::Vocab::load(dir + "/tgt_vocab.txt");
  return set;
}

bool same_vocab(const data::Vocab& a, const data::Vocab& b) {
  if (a.size() != b.size()) return false;
  for (int32_t i = 0; i < a.size(); ++i) {
    if (a.token(i) != b.token(i)) return false;
  }
  return true;
}

// Moves a finished set into place, replacing a stale one.
void publish(const std::string& temp, const std::string& dir) {
  if (fs::exists(dir)) {
    const std::string stale = dir + ".stale." + std::to_string(::getpid());
    fs::rename(dir, stale);
    fs::remove_all(stale);
  }
  fs::rename(temp, dir);
  const int parent = ::open(fs::path(dir).parent_path().c_str(), O_RDONLY | O_DIRECTORY);
  if (parent >= 0) ::fsync(parent), ::close(parent);
}

}  // namespace

nlohmann::ordered_json file_identity(const std::string& path, const std::string& what) {
  const int fd = ::open(path.c_str(), O_RDONLY);
  MT_CHECK(fd >= 0, path, ": cannot open ", what, " (", std::strerror(errno), ")");
  struct stat st {};
  ::fstat(fd, &st);
  std::vector<unsigned char> buffer(1 << 20);
  uLong crc = crc32_z(0, nullptr, 0);
  for (ssize_t got; (got = ::read(fd, buffer.data(), buffer.size())) != 0;) {
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) ::close(fd);
    MT_CHECK(got > 0, path, ": read failed: ", std::strerror(errno));
    crc = crc32_z(crc, buffer.data(), static_cast<size_t>(got));
  }
  ::close(fd);
  return {{"bytes", static_cast<int64_t>(st.st_size)}, {"mtime", static_cast<int64_t>(st.st_mtime)},
          {"crc32", static_cast<int64_t>(crc)}};
}

PreparedSet prepare_training_set(const Config& c, const data::Codec* given, std::ostream& log) {
  const std::vector<data::CorpusFiles> corpora = training_corpora(c.data);
  nlohmann::ordered_json inputs = nlohmann::ordered_json::array();
  const nlohmann::ordered_json what = description(c, corpora, inputs);
  const std::string root = (c.data.cache_dir.empty() ? default_cache_dir() : c.data.cache_dir) + "/prepared";
  std::error_code error;
  fs::create_directories(root, error);
  MT_CHECK(!error, root, ": cannot create the data cache: ", error.message(), " (set data.cache_dir)");
  const std::string key = hex_key(what.dump()), dir = root + "/" + key;
  PreparedSet set;
  std::string problem;
  const auto try_open = [&] {
    if (!fs::exists(dir)) return false;
    try {
      set = open_set(c, dir, what);
      return true;
    } catch (const Error& e) {
      problem = e.what();
      return false;
    }
  };
  if (!try_open()) {
    const FileLock lock(dir + ".lock", dir, log);
    if (!try_open()) {  // nobody made it while this process waited
      if (!problem.empty()) log << "data: the prepared set " << dir << " is unusable (" << problem << "); rebuilding it\n";
      for (const fs::directory_entry& e : fs::directory_iterator(root)) {  // left by a process that died making it
        if (e.path().filename().string().rfind(key + ".tmp.", 0) == 0) fs::remove_all(e.path(), error);
      }
      const std::string temp = dir + ".tmp." + std::to_string(::getpid());
      fs::create_directories(temp);
      try {
        nlohmann::ordered_json manifest = {{"made_from", what}, {"inputs", inputs}};
        prepare_detail::build_set(c, corpora, given, temp, std::move(manifest), log);
        publish(temp, dir);
      } catch (...) {
        fs::remove_all(temp, error);
        throw;
      }
      set = open_set(c, dir, what);
      set.reused = false;
      return set;
    }
  }
  set.reused = true;
  if (c.data.bad_pairs == BadPairs::kError) {  // made when skipping was allowed: its skips still count
    for (const auto& [reason, shown] : set.manifest["skipped_examples"].items()) {
      MT_CHECK(shown.empty(), shown[0].get<std::string>(), ": a training pair skipped as ", reason,
               " (data.bad_pairs = error; ", set.dir, "/manifest.json lists the first of each reason)");
    }
  }
  if (given != nullptr) {
    MT_CHECK(same_vocab(given->src_vocab, set.codec.src_vocab) && same_vocab(given->tgt_vocab, set.codec.tgt_vocab),
             "data: the prepared set ", dir, " holds other vocabularies than this run; delete it (it is rebuilt ",
             "with the run's own) or set data.cache_dir");
  }
  return set;
}

std::string describe_prepared_set(const PreparedSet& set) {
  const nlohmann::ordered_json& m = set.manifest;
  std::ostringstream out;
  out << "prepared set: " << set.dir << (set.reused ? " (reused)" : " (made now)") << "\n"
      << "  pairs: " << m["read"] << " read, " << m["pairs"] << " kept\n";
  for (const auto& [reason, count] : m["skipped"].items()) {
    out << "  skipped, " << reason << ": " << count;
    const auto& shown = m["skipped_examples"][reason];
    for (size_t i = 0; i < shown.size(); ++i) out << (i == 0 ? " (" : ", ") << shown[i].get<std::string>();
    out << (shown.empty() ? "" : count.get<int64_t>() > static_cast<int64_t>(shown.size()) ? ", ...)" : ")") << "\n";
  }
  out << "  vocabularies: " << m["vocabularies"][0] << " / " << m["vocabularies"][1] << " tokens, ids of "
      << m["id_bytes"] << " bytes; examples.bin " << m["examples_bytes"] << " bytes\n";
  for (const auto& input : m["inputs"]) out << "  input: " << input["path"].get<std::string>() << " (" << input["bytes"] << " bytes)\n";
  return out.str();
}

void verify_prepared_set(const PreparedSet& set) {
  data::verify_example_file(set.dir + "/examples.bin", set.codec.src_vocab.size(), set.codec.tgt_vocab.size());
  int64_t skipped = 0;
  for (const auto& [reason, count] : set.manifest["skipped"].items()) skipped += count.get<int64_t>();
  MT_CHECK(set.manifest["read"].get<int64_t>() == set.examples.size() + skipped, set.dir,
           "/manifest.json: pairs read differ from pairs kept plus skipped");
}

}  // namespace mt
