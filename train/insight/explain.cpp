// Explain mode; see explain.h.
#include "train/insight/explain.h"

#include <cmath>
#include <cstdio>

#include "autograd/check.h"
#include "autograd/grad_mode.h"
#include "autograd/ops.h"
#include "nn/multi_head_attention.h"
#include "nn/observer.h"

namespace mt {
namespace {

std::string shape_text(const Shape& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

std::string statistics(const Tensor& t) {
  const std::vector<float> v = t.to_vector();
  double sum = 0.0, low = v.empty() ? 0.0 : v[0], high = low;
  for (const float x : v) sum += x, low = std::min<double>(low, x), high = std::max<double>(high, x);
  const double mean = v.empty() ? 0.0 : sum / v.size();
  double squares = 0.0;
  for (const float x : v) squares += (x - mean) * (x - mean);
  char line[128];
  std::snprintf(line, sizeof(line), "mean %+.4f  std %.4f  min %+.4f  max %+.4f", mean,
                v.empty() ? 0.0 : std::sqrt(squares / v.size()), low, high);
  return line;
}

// Prints what the forward pass shows it, one aligned line per tensor.
class Explainer : public nn::Observer {
 public:
  Explainer(const nn::Module& root, const data::Vocab& src_vocab, const data::Vocab& tgt_vocab, std::ostream& out,
            const ExplainOptions& options)
      : paths_(root), src_vocab_(src_vocab), tgt_vocab_(tgt_vocab), out_(out), options_(options) {}

  void ids(const nn::Module& where, const char* what, const IntTensor& ids) override {
    const data::Vocab& vocab = std::string(what) == "src" ? src_vocab_ : tgt_vocab_;
    std::string tokens;
    for (const int32_t id : ids.values) tokens += " " + vocab.token(id) + "(" + std::to_string(id) + ")";
    line(paths_.of(where, std::string(what) + " ids"), ids.shape, "tokens" + tokens);
  }

  void tensor(const nn::Module& where, const char* what, const Tensor& value) override {
    line(paths_.of(where, what), value.shape(), statistics(value));
  }

  void attention(const nn::MultiHeadAttention& where, const nn::AttentionRecord& r) override {
    const int64_t t = r.weights.size(2), s = r.weights.size(3);
    line(paths_.of(where, "weights"), r.weights.shape(), statistics(r.weights) + "  (softmax over keys, per head)");
    std::string masks = r.key_padding ? "key padding" : "";
    if (r.causal) masks += std::string(masks.empty() ? "" : " + ") + "look-ahead";
    if (masks.empty()) masks = "none";
    out_ << "    mask: " << masks << " (1 = masked; rows: " << t << " queries, columns: " << s << " keys)\n";
    if (t > options_.max_grid || s > options_.max_grid) {
      out_ << "    (" << t << " x " << s << ": too large to draw)\n";
      return;
    }
    for (int64_t i = 0; i < t; ++i) {
      out_ << "      ";
      for (int64_t j = 0; j < s; ++j) {
        const bool masked = (r.key_padding && r.key_padding->values[j] != 0) || (r.causal && j > i);
        out_ << (masked ? '1' : '0') << (j + 1 < s ? " " : "\n");
      }
    }
  }

  void line(const std::string& path, const Shape& shape, const std::string& detail) {
    char head[160];
    std::snprintf(head, sizeof(head), "%-52s %-16s ", path.c_str(), shape_text(shape).c_str());
    out_ << head << detail << "\n";
  }

 private:
  nn::ModulePaths paths_;
  const data::Vocab &src_vocab_, &tgt_vocab_;
  std::ostream& out_;
  ExplainOptions options_;
};

}  // namespace

double explain(const nn::Transformer& model, const data::Vocab& src_vocab, const data::Vocab& tgt_vocab,
               const std::vector<std::string>& src, const std::vector<std::string>& tgt, std::ostream& out,
               const ExplainOptions& options) {
  MT_CHECK(!src.empty(), "explain: the source sentence is empty");
  const std::vector<int32_t> src_ids = src_vocab.encode(src);
  std::vector<int32_t> tgt_in{data::Vocab::kBos}, tgt_out = tgt_vocab.encode(tgt);
  tgt_in.insert(tgt_in.end(), tgt_out.begin(), tgt_out.end());
  tgt_out.push_back(data::Vocab::kEos);
  const int64_t s = static_cast<int64_t>(src_ids.size()), t = static_cast<int64_t>(tgt_in.size());
  MT_CHECK(std::max(s, t) <= model.options.max_positions, "explain: the sentences have ", s, " and ", t,
           " tokens; the model's positions end at ", model.options.max_positions);

  NoGradGuard no_grad;
  Explainer explainer(model, src_vocab, tgt_vocab, out, options);
  Tensor logits;
  {
    nn::ObserverScope scope(explainer);
    logits = model.forward(IntTensor(src_ids, {1, s}), IntTensor(tgt_in, {1, t}));
  }
  const IntTensor targets(tgt_out, {t});
  const Tensor loss = cross_entropy(reshape(logits, {t, -1}), targets, data::Vocab::kPad);
  const std::vector<float> flat = logits.to_vector();
  const int64_t v = logits.size(2);
  std::string predicted;
  for (int64_t i = 0; i < t; ++i) {
    int64_t best = 0;
    for (int64_t k = 1; k < v; ++k) best = flat[i * v + k] > flat[i * v + best] ? k : best;
    predicted += " " + tgt_vocab.token(static_cast<int32_t>(best));
  }
  std::string wanted;
  for (const int32_t id : tgt_out) wanted += " " + tgt_vocab.token(id);
  explainer.line("targets", {t}, "tokens" + wanted);
  explainer.line("argmax of the logits", {t}, "tokens" + predicted);
  char text[160];
  std::snprintf(text, sizeof(text), "%.4f  (cross-entropy per target token over %lld non-pad targets; perplexity %.3f)",
                loss.item(), (long long)t, std::exp(loss.item()));
  explainer.line("loss", {}, text);
  return loss.item();
}

}  // namespace mt
