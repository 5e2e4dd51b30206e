// Safetensors reader and writer; see safetensors.h.
#include "train/run/safetensors.h"

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <vector>

#include "autograd/check.h"
#include "data/atomic_file.h"

namespace mt {
namespace {

static_assert(std::endian::native == std::endian::little, "safetensors data is little-endian");

constexpr uint64_t kMaxHeaderBytes = 100 << 20;  // the reference implementation's limit

}  // namespace

void save_safetensors(const std::string& path, const nn::NamedTensors& tensors, const Metadata& metadata) {
  nlohmann::json header = nlohmann::json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  std::vector<std::pair<std::string, Tensor>> sorted(tensors.begin(), tensors.end());
  std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  uint64_t offset = 0;
  for (const auto& [name, t] : sorted) {
    MT_CHECK(!header.contains(name), path, ": tensor name '", name, "' given twice");
    const uint64_t bytes = static_cast<uint64_t>(t.numel()) * sizeof(float);
    header[name] = {{"dtype", "F32"}, {"shape", t.shape()}, {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
  }
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');  // pad so the data starts 8-byte aligned
  const uint64_t length = text.size();

  write_atomically(path, [&](int fd) {
    write_all(fd, &length, sizeof(length), path);
    write_all(fd, text.data(), text.size(), path);
    for (const auto& [name, t] : sorted) {
      const Tensor c = t.detach().contiguous();
      write_all(fd, c.data(), static_cast<size_t>(c.numel()) * sizeof(float), path);
    }
  });
}

namespace {

// One tensor of a header: its name, shape and byte range in the data buffer.
struct Entry {
  std::string name;
  Shape shape;
  uint64_t begin, end;
};

// The header entry `name` of a file whose data buffer holds `data_size` bytes, checked: F32, a
// shape whose size cannot overflow, and offsets inside the buffer that hold exactly that shape.
Entry read_entry(const std::string& path, const std::string& name, const nlohmann::json& info, uint64_t data_size) {
  MT_CHECK(info.is_object() && info.contains("dtype") && info.contains("shape") && info.contains("data_offsets"),
           path, ": tensor '", name, "' needs dtype, shape and data_offsets");
  MT_CHECK(info["dtype"].is_string(), path, ": tensor '", name, "': dtype is not a string");
  const std::string dtype = info["dtype"].get<std::string>();
  MT_CHECK(dtype == "F32", path, ": tensor '", name, "' has dtype ", dtype, "; minitrans reads F32");
  Entry e{name, {}, 0, 0};
  MT_CHECK(info["shape"].is_array(), path, ": tensor '", name, "': shape is not a list");
  for (const auto& d : info["shape"]) {
    MT_CHECK(d.is_number_unsigned() && d.get<uint64_t>() <= (uint64_t{1} << 40), path, ": tensor '", name,
             "': shape holds ", d.dump());
    e.shape.push_back(d.get<int64_t>());
  }
  const auto& offsets = info["data_offsets"];
  MT_CHECK(offsets.is_array() && offsets.size() == 2 && offsets[0].is_number_unsigned() &&
               offsets[1].is_number_unsigned(),
           path, ": tensor '", name, "': data_offsets is not [begin, end]");
  e.begin = offsets[0].get<uint64_t>();
  e.end = offsets[1].get<uint64_t>();
  MT_CHECK(e.begin <= e.end && e.end <= data_size, path, ": tensor '", name, "': data_offsets [", e.begin, ", ",
           e.end, "] fall outside the ", data_size, " data bytes");
  uint64_t elements = 1;  // counted without overflow: a hostile shape must not wrap around
  for (int64_t d : e.shape) {
    MT_CHECK(d == 0 || elements <= (uint64_t{1} << 40) / static_cast<uint64_t>(d), path, ": tensor '", name,
             "': shape ", e.shape, " is too large");
    elements *= static_cast<uint64_t>(d);
  }
  MT_CHECK(e.end - e.begin == elements * sizeof(float), path, ": tensor '", name, "': ", e.end - e.begin,
           " bytes do not hold shape ", e.shape, " of F32");
  return e;
}

}  // namespace

namespace {

// The JSON header of an open safetensors file, checked to fit in it; *length is its size in bytes.
nlohmann::json read_header(std::ifstream& file, const std::string& path, uint64_t file_size, uint64_t* length) {
  MT_CHECK(file_size >= 8 && file.read(reinterpret_cast<char*>(length), 8), path,
           ": too short for a safetensors file (", file_size, " bytes)");
  MT_CHECK(*length <= kMaxHeaderBytes && *length <= file_size - 8, path, ": header length ", *length,
           " does not fit in a file of ", file_size, " bytes");
  std::string text(*length, '\0');
  MT_CHECK(file.read(text.data(), static_cast<std::streamsize>(*length)), path, ": cannot read the header");
  nlohmann::json header = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  MT_CHECK(header.is_object(), path, ": header is not a JSON object");
  return header;
}

// The header's __metadata__ strings into *metadata (when given).
void read_metadata(const nlohmann::json& info, const std::string& path, Metadata* metadata) {
  MT_CHECK(info.is_object(), path, ": __metadata__ is not an object");
  for (const auto& [key, value] : info.items()) {
    MT_CHECK(value.is_string(), path, ": metadata '", key, "' is not a string");
    if (metadata) (*metadata)[key] = value.get<std::string>();
  }
}

std::ifstream open_file(const std::string& path, uint64_t* file_size) {
  std::ifstream file(path, std::ios::binary | std::ios::ate);
  MT_CHECK(file.good(), path, ": cannot open: ", std::strerror(errno));
  *file_size = static_cast<uint64_t>(file.tellg());
  file.seekg(0);
  return file;
}

}  // namespace

Metadata load_safetensors_metadata(const std::string& path) {
  uint64_t file_size = 0, length = 0;
  std::ifstream file = open_file(path, &file_size);
  const nlohmann::json header = read_header(file, path, file_size, &length);
  Metadata metadata;
  if (header.contains("__metadata__")) read_metadata(header["__metadata__"], path, &metadata);
  return metadata;
}

std::map<std::string, Tensor> load_safetensors(const std::string& path, Metadata* metadata) {
  uint64_t file_size = 0, length = 0;
  std::ifstream file = open_file(path, &file_size);
  const nlohmann::json header = read_header(file, path, file_size, &length);

  const uint64_t data_size = file_size - 8 - length;
  std::vector<Entry> entries;
  for (const auto& [name, info] : header.items()) {
    if (name == "__metadata__") {
      read_metadata(info, path, metadata);
      continue;
    }
    entries.push_back(read_entry(path, name, info, data_size));
  }
  // The specification requires the tensors to tile the data buffer: no gaps, no overlaps.
  std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) { return a.begin < b.begin; });
  uint64_t expected = 0;
  for (const Entry& e : entries) {
    MT_CHECK(e.begin == expected, path, ": tensor '", e.name, "' starts at byte ", e.begin, ", expected ", expected,
             " (data must be packed without gaps or overlaps)");
    expected = e.end;
  }
  MT_CHECK(expected == data_size, path, ": ", data_size - expected, " data bytes belong to no tensor");

  std::map<std::string, Tensor> out;
  for (const Entry& e : entries) {
    Tensor t(e.shape);
    file.seekg(static_cast<std::streamoff>(8 + length + e.begin));
    MT_CHECK(file.read(reinterpret_cast<char*>(t.data()), static_cast<std::streamsize>(e.end - e.begin)), path,
             ": cannot read tensor '", e.name, "'");
    out.emplace(e.name, t);
  }
  return out;
}

void save_weights(const nn::Module& module, const std::string& path, const Metadata& metadata) {
  save_safetensors(path, module.state_dict(), metadata);
}

void load_weights(nn::Module& module, const std::string& path) {
  const auto state = load_safetensors(path);  // its errors already name the file
  try {
    module.load_state_dict(state);
  } catch (const Error& e) {
    throw Error(str(path, ": ", e.what()));
  }
}

}  // namespace mt
