// Attention heatmaps: recording one sentence's attention and drawing it; see plots.h.
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
  const std::vector<int32_t> src_ids = loaded.codec.encode_source(src);
  MT_CHECK(!src_ids.empty(), "attention: the source sentence is empty");
  std::vector<int32_t> output = forced_tgt.empty() ? translate(*loaded.model, {src_ids}, decode).front()
                                                   : loaded.codec.encode_target(forced_tgt);
  // The decoder reads <bos> + output: at most max_len positions.
  const size_t room = static_cast<size_t>(loaded.model->options.max_positions - 1);
  if (output.size() > room) output.resize(room);
  SentenceAttention result;
  result.src_tokens = loaded.codec.src_vocab.decode(src_ids);
  result.output_tokens = loaded.codec.tgt_vocab.decode(output);
  result.maps = record_attention(*loaded.model, src_ids, output, result.src_tokens, result.output_tokens);
  return result;
}

namespace {

// One heatmap of a figure: a module's head (or the mean of its heads), placed in its row.
struct Panel {
  const AttentionMap* map;
  int64_t head;  // -1: the mean over heads
  std::string name;
  double width, height, left;
};

// Draws panel `p` with its top-left corner at (x, y): its name, the query labels, one cell per
// weight (its value in a tooltip), the frame and the key labels.
void draw_panel(svg::Document& doc, const Panel& p, double x, double y, double cell, double title_height) {
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
}

}  // namespace

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
      draw_panel(doc, p, x, y, cell, title_height);
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


}  // namespace mt
