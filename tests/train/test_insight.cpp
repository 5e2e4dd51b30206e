// Explain mode's walk through a tiny model, and the mask checks: silent on correct masks, and
// each firing, with the module and batch row named, on a deliberately broken one.
#include <sstream>

#include "autograd/grad_mode.h"
#include "autograd/ops.h"
#include "autograd/random.h"
#include "nn/observer.h"
#include "tests/reference.h"
#include "train/explain.h"
#include "train/mask_check.h"

using namespace mt;
using namespace mt::testing;

namespace {

std::unique_ptr<nn::Transformer> tiny_model(int64_t vocab) {
  manual_seed(9);
  auto model = std::make_unique<nn::Transformer>(nn::TransformerOptions{
      .src_vocab = vocab, .tgt_vocab = vocab, .d_model = 8, .heads = 2, .encoder_layers = 1, .decoder_layers = 1,
      .ff_dim = 16, .dropout = 0.0f});
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
      {"transformer.encoder.layers.0.self_attn", "[1, 3, 8]"},
      {"transformer.encoder.layers.0.feed_forward", "[1, 3, 8]"},
      {"transformer.encoder.layers.0", "[1, 3, 8]"},
      {"transformer.encoder.norm", "[1, 3, 8]"},
      {"tgt_in ids", "[1, 3]"},
      {"tgt_embed", "[1, 3, 8]"},
      {"tgt_embed+positions", "[1, 3, 8]"},
      {"transformer.decoder.layers.0.self_attn.weights", "[1, 2, 3, 3]"},
      {"transformer.decoder.layers.0.self_attn", "[1, 3, 8]"},
      {"transformer.decoder.layers.0.multihead_attn.weights", "[1, 2, 3, 3]"},
      {"transformer.decoder.layers.0.multihead_attn", "[1, 3, 8]"},
      {"transformer.decoder.layers.0.feed_forward", "[1, 3, 8]"},
      {"transformer.decoder.layers.0", "[1, 3, 8]"},
      {"transformer.decoder.norm", "[1, 3, 8]"},
      {"generator", "[1, 3, " + std::to_string(vocab.size()) + "]"},
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
  const Tensor x = randn({2, 3, 8});
  check_error([&] { model.transformer->encoder->layers[0]->forward(x, nullptr); },
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
  const Tensor y = randn({1, 3, 8});
  const IntTensor no_padding({0, 0, 0}, {1, 3});
  const auto& self_attn = model.transformer->decoder->layers[0]->self_attn;
  check_error([&] { self_attn->forward(y, y, &no_padding, /*causal=*/false); },
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
