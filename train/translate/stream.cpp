// Translating a stream; see stream.h.
#include "train/translate/stream.h"

#include "autograd/check.h"
#include "train/translate/evaluate.h"

namespace mt {

StreamCounts translate_stream(nn::Transformer& model, const data::Codec& codec, data::LineReader& in,
                              std::ostream& out, const DecodeOptions& decode, const StreamOptions& options) {
  MT_CHECK(options.maxi_batch >= 1, "translate: --maxi-batch must be >= 1, got ", options.maxi_batch);
  StreamCounts counts;
  std::vector<std::string> sources;
  std::string line, text;
  const auto translate_batch = [&] {
    int64_t cut = 0;
    for (const std::string& t : translate_text(model, codec, sources, decode, &cut)) text += t + "\n";
    out << text << std::flush;  // the maxi-batch's lines, whole, before reading on
    counts.cut += cut;
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
