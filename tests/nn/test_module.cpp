// Tests of nn/module.cpp: dotted names, state dicts, modes, tied weights, printing, errors.
#include "nn/linear.h"
#include "nn/module.h"
#include "tests/reference.h"

using namespace mt;
using namespace mt::testing;

namespace {
// A two-level module: a parameter, a buffer, two children.
class Toy : public nn::Module {
 public:
  Toy() {
    scale = register_parameter("scale", ones({2}));
    steps = register_buffer("steps", zeros({1}));
    hidden = register_buffer("scratch", zeros({3}), /*persistent=*/false);
    first = register_module("first", std::make_shared<nn::Linear>(2, 3));
    second = register_module("second", std::make_shared<nn::Linear>(3, 2, false));
  }
  Tensor scale, steps, hidden;
  std::shared_ptr<nn::Linear> first, second;

 protected:
  std::string type_name() const override { return "Toy"; }
};

std::vector<std::string> names(const nn::NamedTensors& tensors) {
  std::vector<std::string> out;
  for (const auto& [name, t] : tensors) out.push_back(name);
  return out;
}
}  // namespace

TEST_CASE("module: dotted parameter names in registration order, buffers in the state dict") {
  manual_seed(0);
  Toy toy;
  CHECK(names(toy.named_parameters()) ==
        std::vector<std::string>{"scale", "first.weight", "first.bias", "second.weight"});
  CHECK(names(toy.state_dict()) ==
        std::vector<std::string>{"scale", "steps", "first.weight", "first.bias", "second.weight"});
  CHECK(toy.parameter_count() == 2 + 6 + 3 + 6);
  for (const Tensor& p : toy.parameters()) CHECK(p.requires_grad());
}

TEST_CASE("module: train and eval reach every child, and zero_grad clears every parameter") {
  Toy toy;
  toy.eval();
  CHECK_FALSE(toy.is_training());
  CHECK_FALSE(toy.first->is_training());
  toy.train();
  CHECK(toy.second->is_training());
  toy.second->forward(toy.first->forward(ones({1, 2}))).sum().backward();
  CHECK(toy.first->weight.grad().defined());
  toy.zero_grad();
  for (const Tensor& p : toy.parameters()) CHECK_FALSE(p.grad().defined());
}

TEST_CASE("module: load_state_dict copies in place and names missing, unexpected and mis-shaped tensors") {
  manual_seed(1);
  Toy a;
  manual_seed(2);
  Toy b;
  std::map<std::string, Tensor> state;
  for (const auto& [name, t] : a.state_dict()) state[name] = t;
  const Tensor before = b.first->weight;
  b.load_state_dict(state);
  CHECK(b.first->weight.is_same(before));  // same tensor, new values
  CHECK(b.first->weight.to_vector() == a.first->weight.to_vector());

  auto missing = state;
  missing.erase("first.bias");
  check_error([&] { b.load_state_dict(missing); }, {"first.bias", "missing", "[3]"});
  auto extra = state;
  extra["third.weight"] = zeros({1});
  check_error([&] { b.load_state_dict(extra); }, {"unexpected", "third.weight"});
  auto wrong = state;
  wrong["first.weight"] = zeros({2, 3});
  check_error([&] { b.load_state_dict(wrong); }, {"first.weight", "[2, 3]", "[3, 2]"});
}

TEST_CASE("module: a tied parameter is listed once by named_parameters and twice in the state dict") {
  class Pair : public nn::Module {
   public:
    Pair() {
      a = register_module("a", std::make_shared<nn::Linear>(3, 3));
      b = register_module("b", std::make_shared<nn::Linear>(3, 3));
      b->replace_parameter("weight", a->weight);
    }
    std::shared_ptr<nn::Linear> a, b;

   protected:
    std::string type_name() const override { return "Pair"; }
  } pair;
  CHECK(names(pair.named_parameters()) == std::vector<std::string>{"a.weight", "a.bias", "b.bias"});
  CHECK(names(pair.state_dict()) == std::vector<std::string>{"a.weight", "a.bias", "b.weight", "b.bias"});
  CHECK(pair.parameter_count() == 9 + 3 + 3);
  check_error([&] { pair.b->replace_parameter("weight", zeros({2, 2})); }, {"weight", "[3, 3]", "[2, 2]"});
  check_error([&] { pair.b->replace_parameter("nope", zeros({2, 2})); }, {"nope"});
}

TEST_CASE("module: printing shows the tree, settings and shapes") {
  Toy toy;
  const std::string text = toy.to_string();
  CHECK(text.find("Toy()") != std::string::npos);
  CHECK(text.find("(first): Linear(in=2, out=3)") != std::string::npos);
  CHECK(text.find("(second): Linear(in=3, out=2, bias=false)") != std::string::npos);
  CHECK(text.find("weight [3, 2]") != std::string::npos);
  CHECK(text.find("parameters: 17") != std::string::npos);
}
