// Attention heatmaps and training curves; see plots.h.
#include "train/insight/plots.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>

#include "autograd/check.h"
#include "autograd/grad_mode.h"
#include "data/text.h"
#include "data/vocab.h"
#include "nn/observer.h"
#include "train/insight/metrics.h"
#include "train/insight/svg.h"

namespace mt {
namespace {

// Collects the weights of every attention call of one forward pass, in order.
class AttentionRecorder : public nn::Observer {
 public:
  explicit AttentionRecorder(const nn::Module& root) : paths_(root) {}
  void attention(const nn::MultiHeadAttention& where, const nn::AttentionRecord& record) override {
    AttentionMap map;  // kind and labels are filled in by record_attention
    map.path = paths_.of(where);
    map.heads = record.weights.size(1);
    map.weights = record.weights.contiguous().to_vector();
    maps.push_back(std::move(map));
  }
  std::vector<AttentionMap> maps;

 private:
  nn::ModulePaths paths_;
};

}  // namespace

std::vector<AttentionMap> record_attention(const nn::Transformer& model, const std::vector<int32_t>& src,
                                           const std::vector<int32_t>& output,
                                           const std::vector<std::string>& src_tokens,
                                           const std::vector<std::string>& output_tokens) {
  MT_CHECK(!src.empty(), "attention: the source sentence is empty");
  MT_CHECK(src.size() == src_tokens.size() && output.size() == output_tokens.size(),
           "attention: ids and token labels differ in length");
  std::vector<int32_t> tgt_in{data::Vocab::kBos};
  tgt_in.insert(tgt_in.end(), output.begin(), output.end());
  std::vector<std::string> read{"<bos>"}, predicted = output_tokens;
  read.insert(read.end(), output_tokens.begin(), output_tokens.end());
  predicted.push_back("<eos>");

  NoGradGuard no_grad;
  AttentionRecorder recorder(model);
  {
    nn::ObserverScope scope(recorder);
    model.forward(IntTensor(src, {1, static_cast<int64_t>(src.size())}),
                  IntTensor(tgt_in, {1, static_cast<int64_t>(tgt_in.size())}));
  }
  for (AttentionMap& m : recorder.maps) {
    const bool decoder = m.path.find(".decoder.") != std::string::npos;
    const bool self = m.path.find("self_attn") != std::string::npos;
    m.kind = !decoder ? "encoder self-attention" : self ? "decoder self-attention" : "cross-attention";
    m.rows = decoder ? predicted : src_tokens;
    m.cols = decoder && self ? read : src_tokens;
    MT_CHECK(m.weights.size() == static_cast<size_t>(m.heads) * m.rows.size() * m.cols.size(), "attention: ", m.path,
             " recorded ", m.weights.size(), " weights for ", m.heads, " heads of ", m.rows.size(), " x ",
             m.cols.size());
  }
  return recorder.maps;
}

SentenceAttention attend_sentence(const LoadedModel& loaded, const std::string& src, const std::string& forced_tgt,
                                  const DecodeOptions& decode) {
  const bool lowercase = loaded.config.data.lowercase;
  const std::vector<int32_t> src_ids = loaded.src_vocab.encode(data::tokenize(src, lowercase));
  MT_CHECK(!src_ids.empty(), "attention: the source sentence is empty");
  std::vector<int32_t> output = forced_tgt.empty() ? translate(*loaded.model, {src_ids}, decode).front()
                                                   : loaded.tgt_vocab.encode(data::tokenize(forced_tgt, lowercase));
  // The decoder reads <bos> + output: at most max_len positions.
  const size_t room = static_cast<size_t>(loaded.model->options.max_len - 1);
  if (output.size() > room) output.resize(room);
  SentenceAttention result;
  result.src_tokens = loaded.src_vocab.decode(src_ids);
  result.output_tokens = loaded.tgt_vocab.decode(output);
  result.maps = record_attention(*loaded.model, src_ids, output, result.src_tokens, result.output_tokens);
  return result;
}

std::string attention_svg(const std::vector<AttentionMap>& maps, bool average_heads, const std::string& title) {
  MT_CHECK(!maps.empty(), "attention: nothing to draw");
  auto label_width = [](const std::vector<std::string>& labels) {
    size_t most = 0;
    for (const auto& l : labels) most = std::max(most, l.size());
    return 7.0 * static_cast<double>(most) + 10.0;
  };
  // Every panel has the same cell size; a panel's size follows its token counts.
  size_t longest = 1;
  for (const auto& m : maps) longest = std::max({longest, m.rows.size(), m.cols.size()});
  const double cell = std::clamp(320.0 / static_cast<double>(longest), 8.0, 24.0);
  const double gap = 28, title_height = 22, margin = 20;

  // Text widths are estimated (about 0.6 em per character), enough to keep labels apart.
  auto text_width = [](const std::string& text, double font_size) { return 0.6 * font_size * text.size(); };
  struct Panel {
    const AttentionMap* map;
    int64_t head;  // -1: the mean over heads
    std::string name;
    double width, height, left;
  };
  // Per head: one row per module, its heads side by side. Averaged: one row per kind, its
  // layers side by side.
  std::vector<const AttentionMap*> ordered;  // encoder self, decoder self, cross; layers in order
  for (const char* kind : {"encoder self-attention", "decoder self-attention", "cross-attention"}) {
    for (const auto& m : maps) {
      if (m.kind == kind) ordered.push_back(&m);
    }
  }
  std::vector<std::vector<Panel>> rows;
  std::vector<std::string> row_kinds;
  for (const AttentionMap* map : ordered) {
    const AttentionMap& m = *map;
    const double left = label_width(m.rows), bottom = label_width(m.cols) * 0.75 + 6;
    if (!average_heads || row_kinds.empty() || row_kinds.back() != m.kind) {
      rows.emplace_back();
      row_kinds.push_back(m.kind);
    }
    for (int64_t h = average_heads ? -1 : 0; h < (average_heads ? 0 : m.heads); ++h) {
      const std::string name = m.path + (h < 0 ? " (mean of " + std::to_string(m.heads) + " heads)"
                                               : " head " + std::to_string(h));
      const double width = std::max(left + cell * m.cols.size(), text_width(name, 11));
      rows.back().push_back({&m, h, name, width, title_height + cell * m.rows.size() + bottom, left});
    }
  }

  svg::Document doc;
  const std::string note =
      "Rows: queries (the token being predicted, for the decoder); columns: keys. Darker = more attention. "
      "Hover a cell for its weight.";
  double y = margin + 30, width = margin + std::max(text_width(title, 15), text_width(note, 11));
  doc.text(margin, margin + 8, title, 15, "start", 0, "font-weight=\"bold\"");
  doc.text(margin, margin + 24, note, 11, "start", 0, "fill=\"#555\"");
  std::string kind_shown;
  for (size_t r = 0; r < rows.size(); ++r) {
    if (row_kinds[r] != kind_shown) {
      kind_shown = row_kinds[r];
      y += 14;
      doc.text(margin, y, kind_shown, 14, "start", 0, "font-weight=\"bold\"");
      y += 10;
    }
    double x = margin, row_height = 0;
    for (const Panel& p : rows[r]) {
      const AttentionMap& m = *p.map;
      doc.text(x, y + 14, p.name, 11, "start", 0, "fill=\"#222\"");
      const double top = y + title_height, left = x + p.left;
      for (size_t i = 0; i < m.rows.size(); ++i) {
        doc.text(left - 5, top + cell * (i + 0.5) + 4, m.rows[i], 11, "end");
        for (size_t j = 0; j < m.cols.size(); ++j) {
          double w = 0;
          if (p.head >= 0) {
            w = m.at(p.head, i, j);
          } else {
            for (int64_t h = 0; h < m.heads; ++h) w += m.at(h, i, j) / m.heads;
          }
          char value[32];
          std::snprintf(value, sizeof(value), "%.3f", w);
          doc.raw("<rect x=\"" + std::to_string(left + cell * j) + "\" y=\"" + std::to_string(top + cell * i) +
                  "\" width=\"" + std::to_string(cell) + "\" height=\"" + std::to_string(cell) + "\" fill=\"" +
                  svg::heat_color(w) + "\"><title>" + svg::escape(m.rows[i] + " \u2192 " + m.cols[j] + ": " + value) +
                  "</title></rect>\n");
        }
      }
      doc.rect(left, top, cell * m.cols.size(), cell * m.rows.size(), "none", "stroke=\"#999\"");
      for (size_t j = 0; j < m.cols.size(); ++j) {
        doc.text(left + cell * (j + 0.5) + 3, top + cell * m.rows.size() + 8, m.cols[j], 11, "end", -60);
      }
      x += p.width + gap;
      row_height = std::max(row_height, p.height);
    }
    width = std::max(width, x);
    y += row_height + 8;
  }
  doc.color_scale(width + 10, margin + 60, 16, 160, "weight");
  doc.size(width + 70, std::max(y + margin, margin + 250));
  return doc.str();
}

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
  std::vector<nlohmann::json> records;
  std::string line;
  for (int64_t number = 1; std::getline(in, line); ++number) {
    if (line.empty()) continue;
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(line);
    } catch (const nlohmann::json::exception&) {
      throw Error(str(path, ":", number, ": not a JSON object"));
    }
    MT_CHECK(j.is_object() && j.contains("step") && j["step"].is_number(), path, ":", number,
             ": expected a JSON object with a \"step\"");
    records.push_back(std::move(j));
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
