// Tests of train/safetensors.cpp: round trips, files written by PyTorch's side, every kind of
// corrupt file named in the error, atomic replacement, and module weights.
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>

#include "nn/linear.h"
#include "tests/reference.h"
#include "train/run/safetensors.h"

using namespace mt;
using namespace mt::testing;
namespace fs = std::filesystem;

namespace {

// A fresh directory per test case, removed afterwards.
struct TempDir {
  TempDir() : path(fs::temp_directory_path() / ("minitrans_test_" + std::to_string(::getpid()) + "_" +
                                                std::to_string(counter++))) {
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
  std::string file(const std::string& name) const { return (path / name).string(); }
  fs::path path;
  static inline int counter = 0;
};

// Writes a safetensors file from a raw header string and `data_bytes` bytes of data.
void write_raw(const std::string& path, const std::string& header, size_t data_bytes, uint64_t length_override = 0) {
  std::ofstream out(path, std::ios::binary);
  const uint64_t length = length_override ? length_override : header.size();
  out.write(reinterpret_cast<const char*>(&length), 8);
  out << header;
  out << std::string(data_bytes, '\0');
}

}  // namespace

TEST_CASE("safetensors: tensors and metadata survive a round trip") {
  TempDir dir;
  const Tensor a = param({2, 3}, 31), scalar = full({}, 4.5f), empty_rows = zeros({0, 3});
  const Tensor strided = transpose(param({3, 2}, 32), 0, 1);
  save_safetensors(dir.file("w.safetensors"), {{"a", a}, {"s", scalar}, {"e", empty_rows}, {"t", strided}},
                   {{"note", "hello"}});
  Metadata meta;
  const auto loaded = load_safetensors(dir.file("w.safetensors"), &meta);
  REQUIRE(loaded.size() == 4);
  CHECK(loaded.at("a").to_vector() == a.to_vector());
  CHECK(loaded.at("s").shape() == Shape{});
  CHECK(loaded.at("s").item() == 4.5f);
  CHECK(loaded.at("e").shape() == Shape{0, 3});
  CHECK(loaded.at("t").to_vector() == strided.to_vector());
  CHECK(meta.at("note") == "hello");
  // The data starts 8-byte aligned, as the format recommends.
  std::ifstream in(dir.file("w.safetensors"), std::ios::binary);
  uint64_t length = 0;
  in.read(reinterpret_cast<char*>(&length), 8);
  CHECK(length % 8 == 0);
}

TEST_CASE("safetensors: a file written by the PyTorch side loads") {
  Metadata meta;
  const auto tensors = load_safetensors(std::string(MT_REFERENCE_DIR) + "/parity_postln.safetensors", &meta);
  CHECK(tensors.at("weights.src_embed.weight").shape() == Shape{13, 16});
  CHECK(meta.count("torch") == 1);
}

TEST_CASE("safetensors: corrupt files give one clear error naming the file and the tensor") {
  TempDir dir;
  const std::string f = dir.file("bad.safetensors");
  check_error([&] { load_safetensors(dir.file("missing.safetensors")); }, {"missing.safetensors", "cannot open"});
  { std::ofstream(f, std::ios::binary) << "abc"; }
  check_error([&] { load_safetensors(f); }, {f, "too short"});
  write_raw(f, "{}", 0, 1000);
  check_error([&] { load_safetensors(f); }, {f, "header length 1000"});
  write_raw(f, "not json", 0);
  check_error([&] { load_safetensors(f); }, {f, "not a JSON object"});
  write_raw(f, R"({"w":{"dtype":"F16","shape":[2],"data_offsets":[0,4]}})", 4);
  check_error([&] { load_safetensors(f); }, {f, "'w'", "F16"});
  write_raw(f, R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})", 4);  // truncated data
  check_error([&] { load_safetensors(f); }, {f, "'w'", "outside"});
  write_raw(f, R"({"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", 8);
  check_error([&] { load_safetensors(f); }, {f, "'w'", "[3]"});
  write_raw(f, R"({"w":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}})", 8);
  check_error([&] { load_safetensors(f); }, {f, "'w'", "shape"});
  write_raw(f, R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})", 8);
  check_error([&] { load_safetensors(f); }, {f, "'w'", "gaps or overlaps"});
  write_raw(f, R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})", 8);
  check_error([&] { load_safetensors(f); }, {f, "4 data bytes belong to no tensor"});
  write_raw(f, R"({"w":{"dtype":"F32","shape":[1]}})", 4);
  check_error([&] { load_safetensors(f); }, {f, "'w'", "data_offsets"});
}

TEST_CASE("safetensors: saving replaces the file atomically and leaves no temporary behind") {
  TempDir dir;
  const std::string f = dir.file("w.safetensors");
  save_safetensors(f, {{"x", ones({2})}});
  save_safetensors(f, {{"x", full({3}, 2.0f)}});
  CHECK(load_safetensors(f).at("x").to_vector() == std::vector<float>{2, 2, 2});
  int entries = 0;
  for (const auto& e : fs::directory_iterator(dir.path)) entries += e.path().filename() == "w.safetensors" ? 1 : 100;
  CHECK(entries == 1);
  check_error([&] { save_safetensors(dir.file("no/such/dir/w.safetensors"), {{"x", ones({1})}}); },
              {"no/such/dir/w.safetensors", "cannot create"});
  check_error([&] { save_safetensors(f, {{"x", ones({1})}, {"x", ones({1})}}); }, {"'x'", "twice"});
  CHECK(load_safetensors(f).at("x").to_vector() == std::vector<float>{2, 2, 2});  // untouched
}

TEST_CASE("safetensors: module weights round trip, and mismatches name the tensor and shapes") {
  TempDir dir;
  manual_seed(33);
  nn::Linear a(4, 3), b(4, 3), wide(5, 3);
  save_weights(a, dir.file("a.safetensors"));
  load_weights(b, dir.file("a.safetensors"));
  CHECK(b.weight.to_vector() == a.weight.to_vector());
  check_error([&] { load_weights(wide, dir.file("a.safetensors")); },
              {"a.safetensors", "weight", "[3, 4]", "[3, 5]"});
}
