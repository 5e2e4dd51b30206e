// Parts chosen by name from the config (model.feed_forward, model.norm): a program registers a
// factory under a name before it reads its config, and layers make their part by that name.
// Read next: feed_forward.h.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "autograd/check.h"

namespace mt::nn {

template <typename Factory>
class Registry {
 public:
  Registry(std::string key, std::map<std::string, Factory> builtin) : key_(std::move(key)), factories_(std::move(builtin)) {}

  void add(const std::string& name, Factory make) {
    MT_CHECK(!name.empty() && make, key_, ": registering needs a name and a factory");
    factories_[name] = std::move(make);
  }
  /// The factory registered as `name`; an unknown name is an error listing the registered ones.
  const Factory& at(const std::string& name) const {
    const auto it = factories_.find(name);
    if (it == factories_.end()) {
      std::string known;
      for (const std::string& n : names()) known += (known.empty() ? "" : ", ") + n;
      throw Error(str(key_, ": nothing registered as '", name, "' (registered: ", known, ")"));
    }
    return it->second;
  }
  /// Every registered name, sorted.
  std::vector<std::string> names() const {
    std::vector<std::string> names;
    for (const auto& entry : factories_) names.push_back(entry.first);
    return names;
  }

 private:
  std::string key_;
  std::map<std::string, Factory> factories_;
};

}  // namespace mt::nn
