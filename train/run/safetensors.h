// Safetensors, the weights format PyTorch users share: an 8-byte little-endian header length N,
// N bytes of JSON ({"name": {"dtype": "F32", "shape": [...], "data_offsets": [begin, end]},
// "__metadata__": {...}}), then the raw little-endian data. Written here against the format's
// specification; everything read is validated and errors name the file and the tensor.
// Read next: ../../tests/nn/test_parity.cpp (weights moving between PyTorch and minitrans).
#pragma once

#include <map>
#include <string>

#include "autograd/tensor.h"
#include "nn/module.h"

namespace mt {

using Metadata = std::map<std::string, std::string>;

/// Writes F32 tensors to `path` atomically (a temporary file, fsync, rename), so a crash never
/// leaves a half-written file under the final name.
void save_safetensors(const std::string& path, const nn::NamedTensors& tensors, const Metadata& metadata = {});

/// Reads every tensor of a safetensors file (F32 only). Checks the header length against the
/// file size, the JSON, dtypes, shapes, and that the data offsets tile the data exactly.
std::map<std::string, Tensor> load_safetensors(const std::string& path, Metadata* metadata = nullptr);

/// The metadata of a safetensors file, reading its header alone.
Metadata load_safetensors_metadata(const std::string& path);

/// The module's state_dict, saved / loaded (load checks names and shapes, naming both).
void save_weights(const nn::Module& module, const std::string& path, const Metadata& metadata = {});
void load_weights(nn::Module& module, const std::string& path);

}  // namespace mt
