// The pictures: the SVG writer's pieces, attention recorded from a tiny model (shapes, labels,
// rows summing to one, the causal mask), the heatmap and curve documents, and to_dot.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "autograd/dot.h"
#include "autograd/ops.h"
#include "autograd/random.h"
#include "nn/linear.h"
#include "nn/observer.h"
#include "tests/reference.h"
#include "train/insight/metrics.h"
#include "train/insight/plots.h"
#include "train/insight/svg.h"

using namespace mt;
using namespace mt::testing;

namespace {

int64_t count(const std::string& text, const std::string& what) {
  int64_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + what.size())) ++n;
  return n;
}

std::unique_ptr<nn::Transformer> tiny_model() {
  manual_seed(5);
  auto model = std::make_unique<nn::Transformer>(nn::TransformerOptions{
      .src_vocab = 9, .tgt_vocab = 8, .layer = {.d_model = 8, .heads = 2, .ff_dim = 16, .dropout = 0.0f},
      .encoder_layers = 1, .decoder_layers = 2});
  model->eval();
  return model;
}

std::string temp_file(const std::string& name) {
  return (std::filesystem::temp_directory_path() / (name + "_" + std::to_string(::getpid()))).string();
}

}  // namespace

TEST_CASE("svg: escaping, the colour scale's ends, round ticks, short numbers") {
  CHECK(svg::escape("<bos> & \"x\"") == "&lt;bos&gt; &amp; &quot;x&quot;");
  CHECK(svg::heat_color(0.0) == "#ffffff");
  CHECK(svg::heat_color(1.0) == "#08306b");
  CHECK(svg::heat_color(2.0) == "#08306b");
  CHECK(svg::heat_color(0.5) == "#6baed6");
  CHECK(svg::nice_ticks(0.0, 1.0, 5) == std::vector<double>{0.0, 0.2, 0.4, 0.6000000000000001, 0.8, 1.0});
  CHECK(svg::nice_ticks(3.0, 1500.0, 3) == std::vector<double>{500.0, 1000.0, 1500.0});
  CHECK(svg::short_number(1500) == "1500");
  CHECK(svg::short_number(0.25) == "0.25");
  CHECK(svg::short_number(0.0003) == "3e-04");
}

TEST_CASE("record_attention: every attention in order, labelled, rows summing to one, causal decoder") {
  const auto owned = tiny_model();
  const nn::Transformer& model = *owned;
  const auto maps = record_attention(model, {4, 5, 6}, {4, 7}, {"a", "b", "c"}, {"x", "y"});
  REQUIRE(maps.size() == 5);  // 1 encoder layer, 2 decoder layers with self and cross
  CHECK(maps[0].path == "transformer.encoder.layers.0.self_attn");
  CHECK(maps[0].kind == "encoder self-attention");
  CHECK(maps[1].path == "transformer.decoder.layers.0.self_attn");
  CHECK(maps[1].kind == "decoder self-attention");
  CHECK(maps[2].path == "transformer.decoder.layers.0.multihead_attn");
  CHECK(maps[2].kind == "cross-attention");
  CHECK(maps[0].rows == std::vector<std::string>{"a", "b", "c"});
  CHECK(maps[1].rows == std::vector<std::string>{"x", "y", "<eos>"});
  CHECK(maps[1].cols == std::vector<std::string>{"<bos>", "x", "y"});
  CHECK(maps[2].cols == std::vector<std::string>{"a", "b", "c"});
  for (const AttentionMap& m : maps) {
    INFO(m.path);
    CHECK(m.heads == 2);
    for (int64_t h = 0; h < m.heads; ++h) {
      for (size_t i = 0; i < m.rows.size(); ++i) {
        double sum = 0.0;
        for (size_t j = 0; j < m.cols.size(); ++j) sum += m.at(h, i, j);
        CHECK(sum == doctest::Approx(1.0).epsilon(1e-5));
      }
    }
  }
  for (size_t i = 0; i < 3; ++i) {
    for (size_t j = i + 1; j < 3; ++j) CHECK(maps[1].at(1, i, j) == 0.0f);  // no later position
  }
  check_error([&] { record_attention(model, {}, {}, {}, {}); }, {"source sentence is empty"});
}

TEST_CASE("attention_svg: one cell per weight with its tooltip, labels escaped, a colour scale") {
  const auto owned = tiny_model();
  const nn::Transformer& model = *owned;
  const auto maps = record_attention(model, {4, 5, 6}, {4, 7}, {"a", "b", "c"}, {"x", "y"});
  const std::string every = attention_svg(maps, false, "a b c -> x y");
  int64_t cells = 0;
  for (const auto& m : maps) cells += m.heads * m.rows.size() * m.cols.size();
  CHECK(count(every, "<title>") == cells);
  CHECK(count(every, "head 1") == 5);
  CHECK(every.find("&lt;bos&gt;") != std::string::npos);
  CHECK(every.find("<bos>") == std::string::npos);
  CHECK(every.find("linearGradient") != std::string::npos);
  CHECK(every.find("cross-attention") != std::string::npos);
  const std::string mean = attention_svg(maps, true, "t");
  CHECK(count(mean, "<title>") == cells / 2);
  CHECK(count(mean, "(mean of 2 heads)") == 5);
}

TEST_CASE("curves_svg: the logged series, and a broken line named by file and line") {
  const std::string path = temp_file("metrics.jsonl");
  std::ofstream(path) << "{\"step\": 10, \"loss\": 3.5, \"lr\": 0.001, \"tokens_per_s\": 900}\n"
                      << "{\"step\": 20, \"loss\": 2.5, \"lr\": 0.002, \"tokens_per_s\": 950}\n"
                      << "{\"step\": 20, \"valid_loss\": 2.7, \"valid_ppl\": 14.9, \"valid_bleu\": 12.5}\n";
  const std::string svg = curves_svg(path);
  CHECK(count(svg, "<polyline") == 3);  // training loss, learning rate, speed (one BLEU point: a dot)
  CHECK(count(svg, "<circle") == 2);    // the validation loss and BLEU points
  for (const char* title : {"training loss", "validation loss", "validation BLEU", "learning rate", "training speed"}) {
    CHECK_MESSAGE(svg.find(title) != std::string::npos, title);
  }
  std::ofstream(path, std::ios::app) << "{\"step\": 30, \"loss\": 2.0";  // a crash while writing it
  CHECK(read_metrics(path).size() == 3);
  CHECK(count(curves_svg(path), "<polyline") == 3);
  std::ofstream(path, std::ios::app) << "\n{\"step\": 40, \"loss\": 1.5}\n";  // not the last line any more
  check_error([&] { curves_svg(path); }, {path + ":4: not a JSON object"});
  std::filesystem::remove(path);
  check_error([&] { curves_svg(path); }, {path, "cannot open"});
}

TEST_CASE("to_dot: ops with shapes, named parameters, other leaves, one edge per input") {
  manual_seed(3);
  nn::Linear layer(4, 3);
  const Tensor x = randn({2, 4});
  const Tensor loss = relu(layer.forward(x)).sum();
  const std::string dot = to_dot(loss, layer.named_parameters());
  CHECK(dot.rfind("digraph autograd {", 0) == 0);
  CHECK(dot.find("\"weight\\n[3, 4]\"") != std::string::npos);
  CHECK(dot.find("\"bias\\n[3]\"") != std::string::npos);
  CHECK(dot.find("\"input\\n[2, 4]\"") != std::string::npos);
  CHECK(dot.find("relu\\n[2, 3]") != std::string::npos);
  CHECK(dot.find("sum\\n[]") != std::string::npos);
  CHECK(count(dot, "shape=box") == 3);      // linear, relu, sum
  CHECK(count(dot, "shape=ellipse") == 3);  // x, weight, bias
  CHECK(count(dot, " -> ") == 5);           // x, weight, bias -> linear -> relu -> sum
  CHECK(to_dot(x).find("\"input\\n[2, 4]\"") != std::string::npos);  // a leaf alone
}

TEST_CASE("Observer: sees ids, module outputs by path and every attention, and nothing without a scope") {
  const auto owned = tiny_model();
  const nn::Transformer& model = *owned;
  struct Log : nn::Observer {
    explicit Log(const nn::Module& root) : paths(root) {}
    void ids(const nn::Module& m, const char* what, const IntTensor& v) override {
      lines.push_back(paths.of(m, what) + " ids " + std::to_string(v.numel()));
    }
    void tensor(const nn::Module& m, const char* what, const Tensor& v) override {
      lines.push_back(paths.of(m, what) + " " + str(v.shape()));
    }
    void attention(const nn::MultiHeadAttention& m, const nn::AttentionRecord& r) override {
      lines.push_back(paths.of(m) + " weights " + str(r.weights.shape()) + (r.causal ? " causal" : ""));
    }
    nn::ModulePaths paths;
    std::vector<std::string> lines;
  } log(model);
  const IntTensor src({4, 5, 6}, {1, 3}), tgt({2, 4}, {1, 2});
  {
    nn::ObserverScope scope(log);
    model.forward(src, tgt);
  }
  const std::vector<std::string> expected_start = {
      "src ids 3",
      "src_embed [1, 3, 8]",
      "src_embed+positions [1, 3, 8]",
      "transformer.encoder.layers.0.self_attn weights [1, 2, 3, 3]",
      "transformer.encoder.layers.0.self_attn [3, 8]",
      "transformer.encoder.layers.0.feed_forward [3, 8]",
      "transformer.encoder.layers.0 [3, 8]",
      "transformer.encoder.norm [3, 8]",
      "tgt_in ids 2",
      "tgt_embed [1, 2, 8]",
      "tgt_embed+positions [1, 2, 8]",
      "transformer.decoder.layers.0.self_attn weights [1, 2, 2, 2] causal"};
  REQUIRE(log.lines.size() > expected_start.size());
  CHECK(std::vector<std::string>(log.lines.begin(), log.lines.begin() + expected_start.size()) == expected_start);
  CHECK(log.lines.back() == "generator [2, 8]");
  const size_t seen = log.lines.size();
  model.forward(src, tgt);  // the scope has ended
  CHECK(log.lines.size() == seen);
}
