// Training curves and health figures from metrics.jsonl; see plots.h.
#include <algorithm>
#include <cmath>
#include <fstream>
#include <iostream>
#include <map>

#include "autograd/check.h"
#include "train/insight/metrics.h"
#include "train/insight/plots.h"
#include "train/insight/svg.h"

namespace mt {
namespace {

struct Series {
  std::string name, color;
  std::vector<std::pair<double, double>> points;  // (step, value)
  bool dots = false;
};

// One chart: the series against steps, with ticks, a title and a legend.
void chart(svg::Document& doc, double x, double y, double w, double h, const std::string& title,
           const std::vector<Series>& series, bool log_scale = false) {
  const double left = 56, bottom = 34, top = 40;  // the title, then the legend, above the plot
  double x_low = 1e300, x_high = -1e300, y_low = 1e300, y_high = -1e300;
  auto value = [&](double v) { return log_scale ? std::log10(std::max(v, 1e-12)) : v; };
  std::vector<Series> shown = series;
  if (log_scale) {  // a log axis has no place for zero or below
    for (Series& s : shown) std::erase_if(s.points, [](const auto& p) { return !(p.second > 0.0); });
  }
  for (const Series& s : shown) {
    for (const auto& [sx, sy] : s.points) {
      x_low = std::min(x_low, sx), x_high = std::max(x_high, sx);
      y_low = std::min(y_low, value(sy)), y_high = std::max(y_high, value(sy));
    }
  }
  doc.text(x + left, y + 14, title, 13, "start", 0, "font-weight=\"bold\"");
  const double px = x + left, py = y + top, pw = w - left - 12, ph = h - top - bottom;
  doc.rect(px, py, pw, ph, "none", "stroke=\"#999\"");
  if (x_low > x_high) {
    doc.text(px + pw / 2, py + ph / 2, "no data yet", 12, "middle", 0, "fill=\"#888\"");
    return;
  }
  if (x_high == x_low) x_high = x_low + 1;
  if (y_high == y_low) y_low -= 0.5, y_high += 0.5;
  const double pad = 0.05 * (y_high - y_low);
  y_low -= pad, y_high += pad;
  auto sx = [&](double v) { return px + pw * (v - x_low) / (x_high - x_low); };
  auto sy = [&](double v) { return py + ph * (1.0 - (value(v) - y_low) / (y_high - y_low)); };
  for (const double t : svg::nice_ticks(x_low, x_high, 5)) {
    doc.line(sx(t), py + ph, sx(t), py + ph + 4, "#444");
    doc.text(sx(t), py + ph + 16, svg::short_number(t), 10, "middle");
  }
  for (const double t : svg::nice_ticks(y_low, y_high, 4)) {
    const double ty = py + ph * (1.0 - (t - y_low) / (y_high - y_low));
    doc.line(px, ty, px + pw, ty, "#eee");
    doc.text(px - 6, ty + 4, svg::short_number(log_scale ? std::pow(10.0, t) : t), 10, "end");
  }
  doc.text(px + pw / 2, py + ph + 30, "step", 10, "middle", 0, "fill=\"#555\"");
  double legend = px;
  for (auto it = shown.begin(); it != shown.end(); ++it) {
    std::vector<std::pair<double, double>> points;
    for (const auto& [a, b] : it->points) points.emplace_back(sx(a), sy(b));
    if (points.size() > 1) doc.polyline(points, it->color);
    if (it->dots || points.size() == 1) {
      for (const auto& [a, b] : points) doc.circle(a, b, 2.5, it->color);
    }
    doc.rect(legend, y + 22, 10, 10, it->color);
    doc.text(legend + 14, y + 31, it->name, 11);
    legend += 6.6 * it->name.size() + 30;
  }
}

}  // namespace

std::vector<nlohmann::json> read_metrics(const std::string& path) {
  std::ifstream in(path);
  MT_CHECK(in, path, ": cannot open the metrics file");
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  while (!lines.empty() && lines.back().empty()) lines.pop_back();
  std::vector<nlohmann::json> records;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (lines[i].empty()) continue;
    const nlohmann::json j = nlohmann::json::parse(lines[i], nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded() && i + 1 == lines.size()) {  // a run stopped while writing its last record
      std::cerr << "minitrans: warning: " << path << ":" << i + 1 << ": a partial last line is skipped\n";
      break;
    }
    MT_CHECK(!j.is_discarded(), path, ":", i + 1, ": not a JSON object");
    MT_CHECK(j.is_object() && j.contains("step") && j["step"].is_number(), path, ":", i + 1,
             ": expected a JSON object with a \"step\"");
    records.push_back(j);
  }
  return records;
}

namespace {

// (step, value) for every record that has a finite `key`, optionally inside `within`.
std::vector<std::pair<double, double>> series_of(const std::vector<nlohmann::json>& records, const char* key,
                                                 const char* within = nullptr) {
  std::vector<std::pair<double, double>> points;
  for (const auto& r : records) {
    const nlohmann::json* j = &r;
    if (within) {
      if (!r.contains(within)) continue;
      j = &r[within];
    }
    if (j->contains(key) && (*j)[key].is_number() && std::isfinite((*j)[key].get<double>())) {
      points.emplace_back(r["step"].get<double>(), (*j)[key].get<double>());
    }
  }
  return points;
}

}  // namespace

std::string health_svg(const std::string& metrics_path) {
  const std::vector<nlohmann::json> records = read_metrics(metrics_path);
  const Series grad{"gradient norm", "#1f77b4", series_of(records, "grad_norm", "health")};
  const Series ratio{"update/weight", "#9467bd", series_of(records, "update_ratio", "health")};
  Series entropy{"lowest head entropy (nats)", "#2ca02c", {}}, saturated{"saturated rows (share)", "#d62728", {}};
  for (const auto& r : records) {
    if (!r.contains("health")) continue;
    double low = 1e300, share = 0.0;
    int64_t heads = 0;
    for (const auto& [path, values] : r["health"]["attention_entropy"].items()) {
      for (const auto& v : values) low = std::min(low, v.is_number() ? v.get<double>() : low);
    }
    for (const auto& [path, values] : r["health"]["attention_saturated"].items()) {
      for (const auto& v : values) share += v.is_number() ? v.get<double>() : 0.0, ++heads;
    }
    if (heads == 0) continue;
    entropy.points.emplace_back(r["step"].get<double>(), low);
    saturated.points.emplace_back(r["step"].get<double>(), share / heads);
  }
  svg::Document doc;
  const double w = 440, h = 260;
  chart(doc, 10, 10, w, h, "gradient norm (log scale)", {grad}, true);
  chart(doc, 10 + w, 10, w, h, "update/weight ratio (log scale)", {ratio}, true);
  chart(doc, 10, 10 + h, w, h, "attention entropy", {entropy});
  chart(doc, 10 + w, 10 + h, w, h, "saturated attention rows", {saturated});
  doc.size(2 * w + 20, 2 * h + 20);
  return doc.str();
}

std::string curves_svg(const std::string& metrics_path) {
  const std::vector<nlohmann::json> records = read_metrics(metrics_path);
  const Series loss{"training loss", "#1f77b4", series_of(records, "loss")};
  const Series valid{"validation loss", "#d62728", series_of(records, "valid_loss"), true};
  Series bleu{"validation BLEU", "#2ca02c", series_of(records, "valid_bleu"), true};
  std::erase_if(bleu.points, [](const auto& p) { return p.second < 0; });  // -1: BLEU not computed
  const Series lr{"learning rate", "#9467bd", series_of(records, "lr")};
  const Series speed{"target tokens/s", "#ff7f0e", series_of(records, "tokens_per_s")};
  svg::Document doc;
  const double w = 440, h = 260;
  doc.text(20, 24, "Training curves: " + metrics_path, 14, "start", 0, "font-weight=\"bold\"");
  chart(doc, 10, 36, w, h, "loss (cross-entropy per target token)", {loss, valid});
  chart(doc, 10 + w, 36, w, h, "validation BLEU", {bleu});
  chart(doc, 10, 36 + h, w, h, "learning rate", {lr});
  chart(doc, 10 + w, 36 + h, w, h, "training speed", {speed});
  doc.size(2 * w + 20, 2 * h + 50);
  return doc.str();
}

}  // namespace mt
