// Module bookkeeping: registration, dotted names, state dicts, modes, printing. See module.h.
#include "nn/module.h"

#include <algorithm>
#include <set>
#include <sstream>

#include "autograd/check.h"
#include "autograd/grad_mode.h"
#include "autograd/ops.h"

namespace mt::nn {

Tensor Module::register_parameter(const std::string& name, Tensor value) {
  MT_CHECK(value.defined(), type_name(), ": parameter '", name, "' is undefined");
  value.requires_grad_(true);
  parameters_.emplace_back(name, value);
  return value;
}

Tensor Module::register_buffer(const std::string& name, Tensor value, bool persistent) {
  if (persistent) buffers_.emplace_back(name, value);
  return value;
}

void Module::replace_parameter(const std::string& name, Tensor value) {
  for (auto& [own, t] : parameters_) {
    if (own == name) {
      MT_CHECK(value.shape() == t.shape(), type_name(), ": cannot replace '", name, "' ", t.shape(), " with ",
               value.shape());
      t = value;
      return;
    }
  }
  throw Error(str(type_name(), ": no parameter named '", name, "'"));
}

void Module::add_child(const std::string& name, std::shared_ptr<Module> child) {
  MT_CHECK(child != nullptr, type_name(), ": child module '", name, "' is null");
  children_.emplace_back(name, std::move(child));
}

void Module::register_children_of(const Module& other) {
  for (const auto& [name, child] : other.children_) add_child(name, child);
}

void Module::collect(const std::string& prefix, bool buffers, NamedTensors& out) const {
  for (const auto& [name, t] : parameters_) out.emplace_back(prefix + name, t);
  if (buffers) {
    for (const auto& [name, t] : buffers_) out.emplace_back(prefix + name, t);
  }
  for (const auto& [name, child] : children_) child->collect(prefix + name + ".", buffers, out);
}

std::vector<std::pair<std::string, const Module*>> Module::named_modules() const {
  std::vector<std::pair<std::string, const Module*>> out{{"", this}};
  for (const auto& [name, child] : children_) {
    for (const auto& [path, module] : child->named_modules()) {
      out.emplace_back(path.empty() ? name : name + "." + path, module);
    }
  }
  return out;
}

NamedTensors Module::named_parameters() const {
  NamedTensors all, unique;
  collect("", false, all);
  std::set<const float*> seen;  // tied weights share storage and offset
  for (auto& [name, t] : all) {
    if (seen.insert(t.data()).second) unique.emplace_back(std::move(name), std::move(t));
  }
  return unique;
}

std::vector<Tensor> Module::parameters() const {
  std::vector<Tensor> out;
  for (auto& [name, t] : named_parameters()) out.push_back(t);
  return out;
}

NamedTensors Module::state_dict() const {
  NamedTensors out;
  collect("", true, out);
  return out;
}

void Module::load_state_dict(const std::map<std::string, Tensor>& state) {
  const NamedTensors own = state_dict();
  std::set<std::string> known;
  for (const auto& [name, t] : own) {
    known.insert(name);
    auto it = state.find(name);
    MT_CHECK(it != state.end(), "load_state_dict: tensor '", name, "' ", t.shape(), " is missing");
    MT_CHECK(it->second.shape() == t.shape(), "load_state_dict: tensor '", name, "' has shape ", it->second.shape(),
             ", the model expects ", t.shape());
  }
  for (const auto& [name, t] : state) {
    MT_CHECK(known.count(name), "load_state_dict: unexpected tensor '", name, "' ", t.shape(),
             " (not a parameter or buffer of this model)");
  }
  for (const auto& [name, t] : own) copy_into(t, state.at(name));  // in place: members stay valid
}

void Module::train(bool on) {
  training_ = on;
  for (auto& [name, child] : children_) child->train(on);
}

void Module::zero_grad() {
  for (const Tensor& p : parameters()) p.zero_grad();
}

int64_t Module::parameter_count() const {
  int64_t n = 0;
  for (const Tensor& p : parameters()) n += p.numel();
  return n;
}

void Module::print(std::ostream& out, const std::string& name, int depth) const {
  const std::string indent(2 * depth, ' ');
  out << indent << (name.empty() ? "" : "(" + name + "): ") << type_name() << "(" << extra_repr() << ")\n";
  for (const auto& [pname, t] : parameters_) out << indent << "  " << pname << " " << t.shape() << "\n";
  for (const auto& [child_name, child] : children_) child->print(out, child_name, depth + 1);
}

std::string Module::to_string() const {
  std::ostringstream out;
  print(out, "", 0);
  out << "parameters: " << parameter_count() << "\n";
  return out.str();
}

}  // namespace mt::nn
