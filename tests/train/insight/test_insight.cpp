// Explain mode's walk through a tiny model; the mask checks, silent on correct masks and each
// firing, with the module and batch row named, on a deliberately broken one; the health monitor.
#include <cmath>
#include <nlohmann/json.hpp>
#include <sstream>

#include "autograd/grad_mode.h"
#include "autograd/ops.h"
#include "autograd/random.h"
#include "nn/observer.h"
#include "tests/reference.h"
#include "train/insight/explain.h"
#include "train/insight/health.h"
#include "train/insight/mask_check.h"
#include "train/optim/optimizer.h"

using namespace mt;
using namespace mt::testing;

namespace {

std::unique_ptr<nn::Transformer> tiny_model(int64_t vocab) {
  manual_seed(9);
  auto model = std::make_unique<nn::Transformer>(nn::TransformerOptions{
      .src_vocab = vocab, .tgt_vocab = vocab, .layer = {.d_model = 8, .heads = 2, .ff_dim = 16, .dropout = 0.0f},
      .encoder_layers = 1, .decoder_layers = 1});
  model->eval();
  return model;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

}  // namespace

TEST_CASE("explain: every tensor in order, by module path, with shapes, masks and the loss") {
  const data::Vocab vocab = data::Vocab::build({{"a", "b", "c"}, {"x", "y"}}, 1, 0);
  const auto owned = tiny_model(vocab.size());
  std::ostringstream out;
  const double loss = explain(*owned, vocab, vocab, {"a", "b", "c"}, {"x", "y"}, out);
  const std::vector<std::string> lines = lines_of(out.str());
  // Each expected line starts with the path and the shape, in this order.
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"src ids", "[1, 3]"},
      {"src_embed", "[1, 3, 8]"},
      {"src_embed+positions", "[1, 3, 8]"},
      {"transformer.encoder.layers.0.self_attn.weights", "[1, 2, 3, 3]"},
      {"transformer.encoder.layers.0.self_attn", "[3, 8]"},
      {"transformer.encoder.layers.0.feed_forward", "[3, 8]"},
      {"transformer.encoder.layers.0", "[3, 8]"},
      {"transformer.encoder.norm", "[3, 8]"},
      {"tgt_in ids", "[1, 3]"},
      {"tgt_embed", "[1, 3, 8]"},
      {"tgt_embed+positions", "[1, 3, 8]"},
      {"transformer.decoder.layers.0.self_attn.weights", "[1, 2, 3, 3]"},
      {"transformer.decoder.layers.0.self_attn", "[3, 8]"},
      {"transformer.decoder.layers.0.multihead_attn.weights", "[1, 2, 3, 3]"},
      {"transformer.decoder.layers.0.multihead_attn", "[3, 8]"},
      {"transformer.decoder.layers.0.feed_forward", "[3, 8]"},
      {"transformer.decoder.layers.0", "[3, 8]"},
      {"transformer.decoder.norm", "[3, 8]"},
      {"generator", "[3, " + std::to_string(vocab.size()) + "]"},
      {"targets", "[3]"},
      {"argmax of the logits", "[3]"},
      {"loss", "[]"}};
  // A line is the path padded to 52 columns, then the shape, then the detail.
  std::vector<std::pair<std::string, std::string>> seen;
  for (const std::string& line : lines) {
    if (line.rfind("    ", 0) == 0) continue;  // a mask's lines
    const std::string path = line.substr(0, line.find_last_not_of(' ', 51) + 1);
    const size_t open = line.find('[', path.size());
    seen.emplace_back(path, line.substr(open, line.find(']', open) - open + 1));
  }
  CHECK(seen == expected);
  CHECK(out.str().find("tokens a(") != std::string::npos);
  CHECK(out.str().find("tokens <bos>(2) x(") != std::string::npos);
  CHECK(out.str().find("mean ") != std::string::npos);
  // The decoder self-attention mask: look-ahead, drawn as a 0/1 grid.
  const std::string causal = "mask: key padding + look-ahead (1 = masked; rows: 3 queries, columns: 3 keys)\n"
                             "      0 1 1\n      0 0 1\n      0 0 0\n";
  CHECK(out.str().find(causal) != std::string::npos);
  CHECK(std::isfinite(loss));
  CHECK(out.str().find("over 3 non-pad targets") != std::string::npos);
  check_error([&] { explain(*owned, vocab, vocab, {}, {"x"}, out); }, {"source sentence is empty"});
}

TEST_CASE("mask checks: silent on a correct batch with padding") {
  const auto owned = tiny_model(9);
  const nn::Transformer& model = *owned;
  MaskChecker checker(model, 0);
  const IntTensor src({4, 5, 6, 7, 8, 0}, {2, 3}), tgt_in({2, 4, 5, 2, 6, 0}, {2, 3});
  {
    const nn::ObserverScope scope(checker);
    model.forward(src, tgt_in);
  }
  CHECK(checker.checked() == 3);
  MaskChecker::check_loss(IntTensor({4, 5, 3, 6, 3, 0}, {6}), 5, 0, 2);
}

TEST_CASE("mask checks: a missing padding mask is caught, naming the module and batch row") {
  const auto owned = tiny_model(9);
  const nn::Transformer& model = *owned;
  MaskChecker checker(model, 0);
  const nn::ObserverScope scope(checker);
  NoGradGuard no_grad;
  const IntTensor src({4, 5, 6, 7, 8, 0}, {2, 3});
  model.encode(src);  // correct: no error, and the checker now knows the source ids
  const Tensor x = randn({6, 8});
  const nn::SequenceLayout unmasked = nn::SequenceLayout::padded(IntTensor(std::vector<int32_t>(6, 1), {2, 3}), 0);
  check_error([&] { model.transformer->encoder->layers[0]->forward(x, unmasked); },
              {"mask check: transformer.encoder.layers.0.self_attn, batch row 1", "to key 2, which is padding"});
}

TEST_CASE("mask checks: a missing look-ahead mask is caught in decoder self-attention") {
  const auto owned = tiny_model(9);
  const nn::Transformer& model = *owned;
  MaskChecker checker(model, 0);
  const nn::ObserverScope scope(checker);
  NoGradGuard no_grad;
  const IntTensor src({4, 5, 6}, {1, 3}), tgt_in({2, 4, 5}, {1, 3});
  model.forward(src, tgt_in);  // correct
  const Tensor y = randn({3, 8});
  const nn::SequenceLayout layout = nn::SequenceLayout::padded(tgt_in, 0);
  const auto& self_attn = model.transformer->decoder->layers[0]->self_attn;
  check_error([&] { self_attn->self_attention(y, layout); },
              {"transformer.decoder.layers.0.self_attn, batch row 0", "a later position (look-ahead mask missing)"});
}

TEST_CASE("mask checks: a loss averaged over padding too is caught") {
  manual_seed(4);
  const Tensor logits = randn({6, 9});
  const IntTensor targets({4, 5, 3, 6, 3, 0}, {6});  // two rows of three; the last target is padding
  int64_t counted = 0;
  cross_entropy(logits, targets, -100, 0.0f, &counted);  // broken: the ignore index is not the pad id
  CHECK(counted == 6);
  check_error([&] { MaskChecker::check_loss(targets, counted, 0, 2); },
              {"averaged over 6 targets, but 5 of the 6 are not padding", "batch row 1"});
  cross_entropy(logits, targets, 0, 0.0f, &counted);
  CHECK(counted == 5);
  MaskChecker::check_loss(targets, counted, 0, 2);
}

// ---- the health monitor ---------------------------------------------------------------------

namespace {

// One SGD step on a tiny model, watched by `monitor`; returns the report.
HealthReport watched_step(nn::Transformer& model, HealthMonitor& monitor, float lr, float peak_lr = 0.0f) {
  const IntTensor src({4, 5, 6, 7, 8, 0}, {2, 3}), tgt_in({2, 4, 5, 2, 6, 0}, {2, 3});
  const IntTensor tgt_out({4, 5, 3, 6, 3, 0}, {6});
  Sgd sgd(model.parameters(), {.lr = lr});
  Tensor logits;
  {
    const nn::ObserverScope scope(monitor);
    logits = model.forward(src, tgt_in);
  }
  sgd.zero_grad();
  cross_entropy(reshape(logits, {6, -1}), tgt_out, 0).backward();
  monitor.read_gradients();
  monitor.before_step();
  sgd.step();
  return monitor.after_step(1, lr, peak_lr);
}

}  // namespace

TEST_CASE("health: gradient norms and update ratios per group, attention entropy per head, as JSON") {
  const auto owned = tiny_model(9);
  nn::Transformer& model = *owned;
  const std::vector<Tensor> params = model.parameters();
  std::vector<std::vector<float>> weights;
  for (const Tensor& p : params) weights.push_back(p.to_vector());
  // The attention weights of the same forward pass (no dropout), for the entropies below.
  struct Recorder : nn::Observer {
    void attention(const nn::MultiHeadAttention&, const nn::AttentionRecord& r) override {
      weights.push_back(r.weights.contiguous());
    }
    std::vector<Tensor> weights;
  } recorder;
  {
    const nn::ObserverScope scope(recorder);
    model.forward(IntTensor({4, 5, 6, 7, 8, 0}, {2, 3}), IntTensor({2, 4, 5, 2, 6, 0}, {2, 3}));
  }
  HealthMonitor monitor(model);
  const HealthReport r = watched_step(model, monitor, 0.1f);

  // SGD moves each weight by lr·g, so ||ΔW|| / ||W|| = lr·||g|| / ||W||.
  double g2 = 0.0, w2 = 0.0;
  for (size_t i = 0; i < weights.size(); ++i) {
    const Tensor& p = params[i];
    if (p.grad().defined()) {
      for (const float g : p.grad().to_vector()) g2 += double(g) * g;
    }
    for (const float w : weights[i]) w2 += double(w) * w;
  }
  CHECK(r.grad_norm == doctest::Approx(std::sqrt(g2)).epsilon(1e-6));
  CHECK(r.update_ratio == doctest::Approx(0.1 * std::sqrt(g2) / std::sqrt(w2)).epsilon(1e-3));
  std::vector<std::string> groups;
  for (const auto& [group, norm] : r.group_grad_norms) groups.push_back(group);
  CHECK(groups == std::vector<std::string>{"generator", "src_embed", "tgt_embed", "transformer.decoder.layers.0",
                                           "transformer.decoder.norm", "transformer.encoder.layers.0",
                                           "transformer.encoder.norm"});
  double sum = 0.0;
  for (const auto& [group, norm] : r.group_grad_norms) sum += norm * norm;
  CHECK(std::sqrt(sum) == doctest::Approx(r.grad_norm).epsilon(1e-6));
  REQUIRE(r.attention.size() == 3);
  CHECK(r.attention[0].path == "transformer.encoder.layers.0.self_attn");
  REQUIRE(recorder.weights.size() == 3);
  for (size_t i = 0; i < r.attention.size(); ++i) {  // mean over query rows of -Σ w·ln w, per head
    const Tensor& w = recorder.weights[i];        // [B, H, T, S]
    const int64_t b = w.size(0), h = w.size(1), t = w.size(2), s = w.size(3);
    REQUIRE(r.attention[i].entropy.size() == static_cast<size_t>(h));
    for (int64_t head = 0; head < h; ++head) {
      double total = 0.0;
      int64_t rows = 0;
      for (int64_t row = 0; row < b; ++row)
        for (int64_t q = 0; q < t; ++q) {
          const float* p = w.data() + ((row * h + head) * t + q) * s;
          double e = 0.0, mass = 0.0;
          for (int64_t k = 0; k < s; ++k) mass += p[k], e -= p[k] > 0 ? p[k] * std::log(double(p[k])) : 0.0;
          if (mass > 0.5) total += e, ++rows;
        }
      CHECK(r.attention[i].entropy[head] == doctest::Approx(total / rows).epsilon(1e-6));
    }
  }
  CHECK(r.warnings.empty());
  const nlohmann::json j = r.json();
  CHECK(j["step"] == 1);
  CHECK(j["health"]["grad_norm"].get<double>() == doctest::Approx(r.grad_norm).epsilon(1e-3));
  CHECK(j["health"]["grad_norm_per_group"].size() == 7);
  CHECK(j["health"]["attention_entropy"]["transformer.decoder.layers.0.multihead_attn"].size() == 2);
  CHECK(r.summary().rfind("health step 1: grad norm ", 0) == 0);
}

TEST_CASE("health: uniform attention has entropy ln S and no saturated row") {
  const auto owned = tiny_model(9);
  nn::Transformer& model = *owned;
  auto& attn = model.transformer->encoder->layers[0]->self_attn;
  std::fill(attn->in_proj_weight.data(), attn->in_proj_weight.data() + attn->in_proj_weight.numel(), 0.0f);
  HealthMonitor monitor(model);
  const HealthReport r = watched_step(model, monitor, 0.1f);
  // Row 0 has 3 real keys, row 1 has 2 (its last is padding): mean entropy (3·ln 3 + 3·ln 2) / 6.
  const double expected = (3 * std::log(3.0) + 3 * std::log(2.0)) / 6;
  for (int h = 0; h < 2; ++h) {
    CHECK(r.attention[0].entropy[h] == doctest::Approx(expected).epsilon(1e-5));
    CHECK(r.attention[0].saturated[h] == 0.0);
  }
}

TEST_CASE("health: the rows of padded queries are left out of the attention figures") {
  const auto owned = tiny_model(9);
  nn::Transformer& model = *owned;
  HealthMonitor monitor(model);
  // One head, two queries: query 0 spreads over two keys (ln 2), query 1 is padding and
  // (as a packed batch leaves it) puts everything on one key.
  const Tensor weights = from_values({0.5f, 0.5f, 1.0f, 0.0f}, {1, 1, 2, 2});
  const IntTensor query_padding({0, 1}, {1, 2});
  monitor.attention(*model.transformer->encoder->layers[0]->self_attn,
                    {.weights = weights, .query_padding = &query_padding});
  monitor.before_step();
  const HealthReport r = monitor.after_step(1, 0.1f);
  REQUIRE(r.attention.size() == 1);
  CHECK(r.attention[0].entropy[0] == doctest::Approx(std::log(2.0)));
  CHECK(r.attention[0].saturated[0] == 0.0);
}

TEST_CASE("health: figures outside the sane ranges raise warnings, a schedule's lr of 0 does not") {
  const auto owned = tiny_model(9);
  nn::Transformer& model = *owned;
  HealthMonitor strict(model, {.max_grad_norm = 1e-6, .max_saturated = -1.0});
  const HealthReport r = watched_step(model, strict, 0.1f);
  std::string all;
  for (const std::string& w : r.warnings) all += w + "\n";
  CHECK(all.find("exploding gradients") != std::string::npos);
  CHECK(all.find("transformer.decoder.layers.0.self_attn: every head") != std::string::npos);
  CHECK(r.summary().find("warning") == std::string::npos);  // warnings go through a WarningLog
  CHECK(all.find("likely cause") != std::string::npos);
  CHECK(all.find("fix: model.embedding_init = scaled") != std::string::npos);
  // Each condition is logged once, with its cause and fix; repeats are counted for the summary.
  WarningLog log;
  const std::vector<std::string> first = log.note(r);
  REQUIRE(first.size() == r.warnings.size());
  CHECK(first[0].rfind("warning: step 1: gradient norm", 0) == 0);
  CHECK(log.note(r).empty());
  const std::vector<std::string> summary = log.summary();
  REQUIRE(summary.size() == r.warnings.size());
  CHECK(summary[0] == "health: exploding gradients at 2 of 2 health reports (steps 1..1)");
  WarningLog quiet;  // a healthy run's log says so once, at the end
  CHECK(quiet.summary().empty());
  HealthMonitor lenient(model, {.max_saturated = 2.0});
  CHECK(quiet.note(watched_step(model, lenient, 0.1f)).empty());
  CHECK(quiet.summary() == std::vector<std::string>{"health: no warning in 1 health report (each one in metrics.jsonl)"});
  HealthMonitor slow(model, {.min_update_ratio = 10.0});
  const HealthReport moving = watched_step(model, slow, 0.1f);
  CHECK(moving.warnings.size() == 1);
  CHECK(moving.warnings[0].find("barely move") != std::string::npos);
  const HealthReport stopped = watched_step(model, slow, 0.0f);  // lr 0: the ratio is 0 by design
  CHECK(stopped.update_ratio == 0.0);
  CHECK(stopped.warnings.empty());
  // A decay's tail: a tiny lr moves the weights little by design; judged at the peak lr, no warning.
  HealthMonitor between(model, {.min_update_ratio = moving.update_ratio / 10});
  CHECK(watched_step(model, between, 1e-4f).warnings.size() == 1);  // 1e-4 as the peak: too small
  CHECK(watched_step(model, between, 1e-4f, 0.1f).warnings.empty());
}
