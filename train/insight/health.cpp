// The training-health monitor; see health.h.
#include "train/insight/health.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

#include "autograd/check.h"
#include "nn/multi_head_attention.h"

namespace mt {
namespace {

// "transformer.encoder.layers.0.self_attn.in_proj_weight" -> "transformer.encoder.layers.0";
// "generator.weight" -> "generator".
std::string group_of(const std::string& name) {
  const size_t layers = name.find(".layers.");
  if (layers != std::string::npos) return name.substr(0, name.find('.', layers + 8));
  return name.substr(0, name.rfind('.'));
}

std::string number(double v) {
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%.4g", v);
  return std::isfinite(v) ? buffer : "null";
}

// v to the 4 significant digits the log shows (a NaN or Inf stays one: the record writes null).
double rounded(double v) { return std::isfinite(v) ? std::stod(number(v)) : v; }

}  // namespace

HealthMonitor::HealthMonitor(const nn::Module& model, HealthLimits limits)
    : model_(model), paths_(model), limits_(limits), parameters_(model.named_parameters()) {
  for (const auto& [name, tensor] : parameters_) groups_.push_back(group_of(name));
}

void HealthMonitor::attention(const nn::MultiHeadAttention& where, const nn::AttentionRecord& record) {
  const Tensor w = record.weights.contiguous();  // [B, H, T, S]
  const int64_t b = w.size(0), h = w.size(1), t = w.size(2), s = w.size(3);
  AttentionHealth a{.path = paths_.of(where), .entropy = std::vector<double>(h), .saturated = std::vector<double>(h)};
  const float* p = w.data();
  for (int64_t head = 0; head < h; ++head) {
    int64_t rows = 0, saturated = 0;
    double entropy = 0.0;
    for (int64_t row = 0; row < b; ++row) {
      for (int64_t q = 0; q < t; ++q) {
        if (record.query_padding && record.query_padding->values[row * t + q] != 0) continue;  // a pad query
        const float* weights = p + ((row * h + head) * t + q) * s;
        double sum = 0.0, e = 0.0;
        float largest = 0.0f;
        for (int64_t k = 0; k < s; ++k) {
          sum += weights[k];
          if (weights[k] > 0.0f) e -= weights[k] * std::log(static_cast<double>(weights[k]));
          largest = std::max(largest, weights[k]);
        }
        if (sum < 0.5) continue;  // every key masked: no distribution
        ++rows;
        entropy += e;
        saturated += largest > 0.99f;
      }
    }
    a.entropy[head] = rows ? entropy / rows : 0.0;
    a.saturated[head] = rows ? double(saturated) / rows : 0.0;
  }
  report_.attention.push_back(std::move(a));
}

void HealthMonitor::before_step() {
  before_.clear();
  for (const auto& [name, p] : parameters_) before_.push_back(p.to_vector());
}

void HealthMonitor::read_gradients() {
  std::map<std::string, double> squares;
  double total = 0.0;
  for (size_t i = 0; i < parameters_.size(); ++i) {
    const Tensor& p = parameters_[i].second;
    squares[groups_[i]];  // every group listed, even without a gradient
    if (!p.grad().defined()) continue;
    const std::vector<float> g = p.grad().to_vector();
    double sum = 0.0;
    for (const float v : g) sum += double(v) * v;
    squares[groups_[i]] += sum;
    total += sum;
  }
  report_.grad_norm = std::sqrt(total);
  report_.group_grad_norms.clear();
  for (const auto& [group, sum] : squares) report_.group_grad_norms.emplace_back(group, std::sqrt(sum));
}

HealthReport HealthMonitor::after_step(int64_t step, double lr, double peak_lr) {
  MT_CHECK(before_.size() == parameters_.size(), "HealthMonitor: after_step without before_step");
  std::map<std::string, std::pair<double, double>> moved;  // group -> (||ΔW||², ||W||²)
  double delta_total = 0.0, weight_total = 0.0;
  for (size_t i = 0; i < parameters_.size(); ++i) {
    const std::vector<float> now = parameters_[i].second.to_vector();
    double delta = 0.0, weight = 0.0;
    for (size_t k = 0; k < now.size(); ++k) {
      delta += double(now[k] - before_[i][k]) * (now[k] - before_[i][k]);
      weight += double(before_[i][k]) * before_[i][k];
    }
    moved[groups_[i]].first += delta;
    moved[groups_[i]].second += weight;
    delta_total += delta;
    weight_total += weight;
  }
  HealthReport r = std::move(report_);
  report_ = {};
  before_.clear();
  r.step = step;
  r.lr = lr;
  r.update_ratio = weight_total > 0 ? std::sqrt(delta_total / weight_total) : 0.0;
  for (const auto& [group, dw] : moved) {
    r.group_update_ratios.emplace_back(group, dw.second > 0 ? std::sqrt(dw.first / dw.second) : 0.0);
  }

  // The sane ranges (docs/health.md); each warning says its likely cause and the fix.
  auto warn = [&](const std::string& condition, const std::string& text) {
    r.conditions.push_back(condition);
    r.warnings.push_back(text);
  };
  if (!(r.grad_norm <= limits_.max_grad_norm)) {
    warn("exploding gradients", str("gradient norm ", number(r.grad_norm), " > ", limits_.max_grad_norm,
                                    ": exploding gradients; likely cause: a learning rate too high for the model or "
                                    "too short a warmup; fix: lower optim.lr, raise optim.warmup, keep optim.clip_norm"));
  } else if (r.grad_norm < limits_.min_grad_norm) {
    warn("vanishing gradients", str("gradient norm ", number(r.grad_norm), " < ", limits_.min_grad_norm,
                                    ": vanishing gradients, nothing reaches the weights; likely cause: a loss that "
                                    "is already 0 or masked away (check the targets and data.max_len)"));
  }
  if (r.update_ratio > limits_.max_update_ratio) {
    warn("large updates", str("update/weight ratio ", number(r.update_ratio), " > ", limits_.max_update_ratio,
                              ": each step rewrites the weights; likely cause: the learning rate; fix: lower optim.lr "
                              "or raise optim.warmup"));
  } else if (const double at_peak = r.update_ratio * (peak_lr > lr ? peak_lr / lr : 1.0);
             lr > 0.0 && at_peak < limits_.min_update_ratio) {
    warn("tiny updates", str("update/weight ratio ", number(at_peak), peak_lr > lr ? " at the peak lr" : "", " < ",
                             limits_.min_update_ratio,
                             ": the weights barely move; likely cause: the learning rate; fix: raise optim.lr"));
  }
  for (const AttentionHealth& a : r.attention) {
    const double least = *std::min_element(a.saturated.begin(), a.saturated.end());
    if (least > limits_.max_saturated) {
      warn("saturated " + a.path,
           str(a.path, ": every head puts > 99% of nearly every row on one key (", number(100 * least),
               "% of rows at least): the softmax is saturated and passes almost no gradient; likely cause: inputs "
               "at a large scale, e.g. embeddings N(0,1) times sqrt(D) against positions of std 0.7; fix: "
               "model.embedding_init = scaled, or model.norm_first = true"));
    }
  }
  return r;
}

nlohmann::ordered_json HealthReport::json() const {
  auto per_name = [](const std::vector<std::pair<std::string, double>>& values) {
    nlohmann::ordered_json o = nlohmann::ordered_json::object();
    for (const auto& [name, v] : values) o[name] = rounded(v);
    return o;
  };
  nlohmann::ordered_json entropy = nlohmann::ordered_json::object(), saturated = nlohmann::ordered_json::object();
  for (const AttentionHealth& a : attention) {
    for (const double e : a.entropy) entropy[a.path].push_back(rounded(e));
    for (const double v : a.saturated) saturated[a.path].push_back(rounded(v));
  }
  nlohmann::ordered_json health = {{"lr", rounded(lr)}, {"grad_norm", rounded(grad_norm)},
                                   {"update_ratio", rounded(update_ratio)},
                                   {"grad_norm_per_group", per_name(group_grad_norms)},
                                   {"update_ratio_per_group", per_name(group_update_ratios)},
                                   {"attention_entropy", entropy}, {"attention_saturated", saturated},
                                   {"warnings", warnings}};
  return {{"step", step}, {"health", health}};
}

std::string HealthReport::summary() const {
  auto extreme = [](const std::vector<std::pair<std::string, double>>& v) {
    const auto it = std::max_element(v.begin(), v.end(), [](const auto& a, const auto& b) { return a.second < b.second; });
    return it == v.end() ? std::string("-") : number(it->second) + " (" + it->first + ")";
  };
  double low = 1e300, high = 0.0, saturated = 0.0;
  int64_t heads = 0;
  for (const AttentionHealth& a : attention) {
    for (size_t h = 0; h < a.entropy.size(); ++h) {
      low = std::min(low, a.entropy[h]), high = std::max(high, a.entropy[h]);
      saturated += a.saturated[h];
      ++heads;
    }
  }
  std::string out = str("health step ", step, ": grad norm ", number(grad_norm), ", largest ", extreme(group_grad_norms),
                        "; update/weight ", number(update_ratio), ", largest ", extreme(group_update_ratios));
  if (heads > 0) {
    out += str("; attention entropy ", number(low), "..", number(high), " nats over ", heads, " heads, ",
               number(100 * saturated / heads), "% of rows saturated");
  }
  return out;
}

std::vector<std::string> WarningLog::note(const HealthReport& report) {
  ++reports_;
  std::vector<std::string> lines;
  for (size_t i = 0; i < report.conditions.size(); ++i) {
    auto it = std::find_if(seen_.begin(), seen_.end(), [&](const Seen& s) { return s.condition == report.conditions[i]; });
    if (it == seen_.end()) {
      seen_.push_back({report.conditions[i], report.warnings[i], report.step, report.step, 0});
      it = seen_.end() - 1;
      lines.push_back(str("warning: step ", report.step, ": ", report.warnings[i],
                          " (logged once; repeats are counted at the end)"));
    }
    ++it->count;
    it->last_step = report.step;
  }
  return lines;
}

std::vector<std::string> WarningLog::summary() const {
  if (seen_.empty() && reports_ > 0) {
    return {str("health: no warning in ", reports_, " health report", reports_ == 1 ? "" : "s",
                " (each one in metrics.jsonl)")};
  }
  std::vector<std::string> lines;
  for (const Seen& s : seen_) {
    lines.push_back(str("health: ", s.condition, " at ", s.count, " of ", reports_, " health reports (steps ",
                        s.first_step, "..", s.last_step, ")"));
  }
  return lines;
}

}  // namespace mt
