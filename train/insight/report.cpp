// The run report; see report.h.
#include "train/insight/report.h"

#include <cmath>
#include <cstdio>
#include <filesystem>

#include "autograd/check.h"
#include "data/text.h"
#include "train/run/checkpoint.h"
#include "train/insight/metrics.h"
#include "train/insight/plots.h"
#include "train/insight/svg.h"

namespace mt {
namespace {

using svg::escape;

using data::fixed;

constexpr const char* kStyle = R"(
body { font-family: "DejaVu Sans", Arial, sans-serif; margin: 24px 40px; color: #222; max-width: 1100px; }
h1 { font-size: 24px; margin-bottom: 4px; } h2 { font-size: 18px; margin-top: 32px; border-bottom: 1px solid #ddd; }
table { border-collapse: collapse; margin: 8px 0; } td, th { border: 1px solid #ddd; padding: 4px 10px; text-align: left; }
th { background: #f3f6fa; } .num { text-align: right; font-variant-numeric: tabular-nums; }
.exact { color: #1a7f37; } .wrong { color: #b42318; } .warning { color: #b42318; }
.note { color: #666; font-size: 13px; } pre { background: #f6f8fa; padding: 10px; font-size: 12px; }
)";

// The summary table: the model, and the figures of the record.
std::string summary_section(const std::vector<nlohmann::json>& records, const LoadedModel& loaded) {
  double last_loss = NAN, best_valid = INFINITY, last_bleu = NAN;
  int64_t last_step = 0;
  const nlohmann::json* test = nullptr;
  for (const auto& r : records) {
    last_step = std::max<int64_t>(last_step, r["step"].get<int64_t>());
    if (r.contains("loss") && r["loss"].is_number()) last_loss = r["loss"].get<double>();
    if (r.contains("valid_loss") && r["valid_loss"].is_number()) best_valid = std::min(best_valid, r["valid_loss"].get<double>());
    if (r.contains("valid_bleu") && r["valid_bleu"].is_number() && r["valid_bleu"].get<double>() >= 0) {
      last_bleu = r["valid_bleu"].get<double>();
    }
    if (r.contains("test_bleu")) test = &r;
  }
  std::string html = "<h2>Summary</h2><table>\n";
  auto row = [&](const std::string& name, const std::string& value) {
    html += "<tr><th>" + name + "</th><td class=\"num\">" + value + "</td></tr>\n";
  };
  const nn::TransformerOptions& m = loaded.config.model;
  row("model", escape(str("d_model ", m.layer.d_model, ", ", m.layer.heads, " heads, ", m.encoder_layers, "+",
                           m.decoder_layers, " layers, ff ", m.layer.ff_dim, ", ", m.layer.feed_forward,
                           " feed-forward; ", loaded.model->parameter_count(), " parameters")));
  row("steps", std::to_string(last_step));
  row("last training loss", std::isfinite(last_loss) ? fixed(last_loss, 4) : "-");
  row("best validation loss", std::isfinite(best_valid) ? fixed(best_valid, 4) : "-");
  row("last validation BLEU", std::isfinite(last_bleu) ? fixed(last_bleu, 2) : "-");
  if (test) {
    row("test BLEU", fixed((*test)["test_bleu"].get<double>(), 2));
    row("test exact match", fixed(100.0 * (*test)["test_exact_match"].get<double>(), 2) + "%");
  }
  return html + "</table>\n";
}

// The health figures, the last log step's per group, and every warning.
std::string health_section(const std::vector<nlohmann::json>& records, const std::string& metrics_path) {
  const nlohmann::json* last_health = nullptr;
  std::vector<std::pair<int64_t, std::string>> warnings;
  for (const auto& r : records) {
    if (!r.contains("health")) continue;
    last_health = &r;
    for (const auto& w : r["health"]["warnings"]) warnings.emplace_back(r["step"].get<int64_t>(), w.get<std::string>());
  }
  std::string html = "<h2>Health</h2>\n<p class=\"note\">Taken at every log step; docs/health.md gives the sane "
                     "ranges.</p>\n" + health_svg(metrics_path);
  if (last_health) {
    const auto& h = (*last_health)["health"];
    html += "<p>At step " + std::to_string((*last_health)["step"].get<int64_t>()) +
            ", per group:</p><table><tr><th>group</th><th>gradient norm</th><th>update/weight</th></tr>\n";
    for (const auto& [group, norm] : h["grad_norm_per_group"].items()) {
      const auto& ratio = h["update_ratio_per_group"].contains(group) ? h["update_ratio_per_group"][group] : nlohmann::json();
      html += "<tr><td>" + escape(group) + "</td><td class=\"num\">" + (norm.is_number() ? svg::short_number(norm.get<double>()) : "-") +
              "</td><td class=\"num\">" + (ratio.is_number() ? svg::short_number(ratio.get<double>()) : "-") + "</td></tr>\n";
    }
    html += "</table>\n";
  }
  html += "<p>Warnings: " + std::string(warnings.empty() ? "none." : "") + "</p>\n";
  if (warnings.empty()) return html;
  html += "<ul>\n";
  for (const auto& [step, text] : warnings) {
    html += "<li class=\"warning\">step " + std::to_string(step) + ": " + escape(text) + "</li>\n";
  }
  return html + "</ul>\n";
}

// The translations logged at each validation; *first_src receives the first source sentence.
std::string samples_section(const std::vector<nlohmann::json>& records, std::string* first_src) {
  std::string html = "<h2>Sample translations</h2>\n";
  bool any = false;
  for (const auto& r : records) {
    if (!r.contains("samples")) continue;
    any = true;
    html += "<p>At step " + std::to_string(r["step"].get<int64_t>()) +
            ":</p><table><tr><th>source</th><th>reference</th><th>translation</th></tr>\n";
    for (const auto& s : r["samples"]) {
      const std::string hyp = s["hyp"].get<std::string>(), ref = s["ref"].get<std::string>();
      html += "<tr><td>" + escape(s["src"].get<std::string>()) + "</td><td>" + escape(ref) + "</td><td class=\"" +
              (hyp == ref ? "exact" : "wrong") + "\">" + escape(hyp) + "</td></tr>\n";
      if (first_src->empty()) *first_src = s["src"].get<std::string>();
    }
    html += "</table>\n";
  }
  if (!any) html += "<p>No validation with translations was logged (set data.valid_src and train.valid_bleu_sentences).</p>\n";
  return html;
}

}  // namespace

std::string run_report(const std::string& run_dir) {
  const std::string metrics_path = run_file(run_dir, "metrics.jsonl");
  const std::vector<nlohmann::json> records = read_metrics(metrics_path);
  const LoadedModel loaded = load_for_inference(run_dir);
  std::string html = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>minitrans run report: " +
                     escape(run_dir) + "</title><style>" + kStyle + "</style></head><body>\n";
  html += "<h1>Run report</h1><p class=\"note\">" + escape(run_dir) + " &middot; written by minitrans from " +
          "metrics.jsonl, config.ini and the best weights</p>\n";
  html += summary_section(records, loaded);
  html += "<h2>Training curves</h2>\n" + curves_svg(metrics_path);
  html += health_section(records, metrics_path);
  std::string sample_src;
  html += samples_section(records, &sample_src);
  html += "<h2>Attention</h2>\n";
  if (!sample_src.empty()) {
    const SentenceAttention a = attend_sentence(loaded, sample_src, "", {.max_len_a = loaded.config.decode.max_len_a, .max_len_b = loaded.config.decode.max_len_b});
    html += "<p class=\"note\">The best weights on the first validation sentence, averaged over heads.</p>\n" +
            attention_svg(a.maps, true, data::join(a.src_tokens) + "  \u2192  " + data::join(a.output_tokens));
  } else {
    html += "<p>No validation sentence to show.</p>\n";
  }
  html += "<h2>Configuration</h2>\n<pre>" + escape(to_ini(loaded.config)) + "</pre>\n</body></html>\n";
  return html;
}

}  // namespace mt
