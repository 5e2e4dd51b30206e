// Translating a stream; see stream.h.
#include "train/translate/stream.h"

#include <nlohmann/json.hpp>

#include "autograd/check.h"
#include "train/translate/evaluate.h"

namespace mt {
namespace {

// Six significant digits, to read and sort by (--format jsonl writes every digit).
std::string score_text(double score) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.6g", score);
  return text;
}

nlohmann::ordered_json hypothesis_json(const data::Codec& codec, const Hypothesis& h) {
  return {{"text", codec.decode_target(h.tokens)}, {"score", h.score}, {"log_prob", h.log_prob},
          {"ended", h.ended}, {"tokens", codec.tgt_vocab.decode(h.tokens)}};
}

// What translate_stream writes for input line `line` (from 0) and its hypotheses.
std::string format_hypotheses(const data::Codec& codec, int64_t line, const NBest& hypotheses,
                              const StreamOptions& options) {
  const Hypothesis& best = hypotheses.front();
  switch (options.format) {
    case OutputFormat::kText: {
      std::string out = codec.decode_target(best.tokens);
      if (options.scores) out.append("\t").append(score_text(best.score));
      return out + "\n";
    }
    case OutputFormat::kNBest: {
      std::string out;
      for (const Hypothesis& h : hypotheses) {
        out += str(line, " ||| ", codec.decode_target(h.tokens), " ||| ", score_text(h.score), "\n");
      }
      return out;
    }
    case OutputFormat::kJsonl: {
      nlohmann::ordered_json j = {{"line", line}};
      j.update(hypothesis_json(codec, best));
      if (hypotheses.size() > 1) {
        j["n_best"] = nlohmann::ordered_json::array();
        for (const Hypothesis& h : hypotheses) j["n_best"].push_back(hypothesis_json(codec, h));
      }
      return j.dump() + "\n";
    }
  }
  return "";
}

}  // namespace

StreamCounts translate_stream(nn::Transformer& model, const data::Codec& codec, data::LineReader& in,
                              std::ostream& out, const DecodeOptions& decode, const StreamOptions& options) {
  MT_CHECK(options.maxi_batch >= 1, "translate: --maxi-batch must be >= 1, got ", options.maxi_batch);
  StreamCounts counts;
  std::vector<std::string> sources;
  std::string line, text;
  const auto translate_batch = [&] {
    const int64_t first = counts.lines - static_cast<int64_t>(sources.size());
    const std::vector<NBest> hypotheses = translate_hypotheses(model, encode_sources(model, codec, sources, &counts.cut), decode);
    for (size_t i = 0; i < hypotheses.size(); ++i) text += format_hypotheses(codec, first + i, hypotheses[i], options);
    out << text << std::flush;  // the maxi-batch's lines, whole, before reading on
    text.clear();
    sources.clear();
  };
  while (in.next(line)) {
    if (options.tsv) {
      const size_t tab = line.find('\t');
      MT_CHECK(tab != std::string::npos, in.path(), ":", in.line_number(), ": expected source<TAB>target (--tsv)");
      line.resize(tab);
    }
    sources.push_back(std::move(line));
    ++counts.lines;
    if (static_cast<int64_t>(sources.size()) == options.maxi_batch) translate_batch();
  }
  if (!sources.empty()) translate_batch();
  return counts;
}

}  // namespace mt
