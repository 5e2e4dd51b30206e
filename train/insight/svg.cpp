// The SVG writer; see svg.h.
#include "train/insight/svg.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace mt::svg {

std::string escape(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

namespace {

struct Rgb {
  double r, g, b;
};

// White through light and mid blue to dark blue, evenly spaced over [0, 1].
constexpr Rgb kStops[] = {{255, 255, 255}, {198, 219, 239}, {107, 174, 214}, {33, 113, 181}, {8, 48, 107}};
constexpr int kStopCount = sizeof(kStops) / sizeof(kStops[0]);

std::string fmt(double v) {
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%.1f", v);
  return buffer;
}

}  // namespace

std::string heat_color(double v) {
  v = std::clamp(std::isfinite(v) ? v : 0.0, 0.0, 1.0);
  const double at = v * (kStopCount - 1);
  const int i = std::min(static_cast<int>(at), kStopCount - 2);
  const double f = at - i;
  auto mix = [&](double a, double b) { return static_cast<int>(std::lround(a + (b - a) * f)); };
  char buffer[8];
  std::snprintf(buffer, sizeof(buffer), "#%02x%02x%02x", mix(kStops[i].r, kStops[i + 1].r),
                mix(kStops[i].g, kStops[i + 1].g), mix(kStops[i].b, kStops[i + 1].b));
  return buffer;
}

std::vector<double> nice_ticks(double low, double high, int count) {
  if (!(high > low)) return {low};
  const double raw = (high - low) / std::max(1, count);
  const double power = std::pow(10.0, std::floor(std::log10(raw)));
  double step = power;
  for (const double m : {1.0, 2.0, 5.0, 10.0}) {
    step = m * power;
    if (step >= raw) break;
  }
  std::vector<double> ticks;
  for (double t = std::ceil(low / step - 1e-9) * step; t <= high + step * 1e-9; t += step) {
    ticks.push_back(std::abs(t) < step * 1e-9 ? 0.0 : t);
  }
  return ticks;
}

std::string short_number(double v) {
  char buffer[32];
  const double a = std::abs(v);
  if (a != 0.0 && (a < 1e-2 || a >= 1e7)) {
    std::snprintf(buffer, sizeof(buffer), "%.0e", v);
  } else if (a >= 1e3) {
    std::snprintf(buffer, sizeof(buffer), "%.0f", v);
  } else {
    std::snprintf(buffer, sizeof(buffer), "%.4g", v);
  }
  return buffer;
}

void Document::size(double width, double height) {
  width_ = width;
  height_ = height;
}

void Document::rect(double x, double y, double w, double h, const std::string& fill, const std::string& extra) {
  body_ += "<rect x=\"" + fmt(x) + "\" y=\"" + fmt(y) + "\" width=\"" + fmt(w) + "\" height=\"" + fmt(h) +
           "\" fill=\"" + fill + "\"" + (extra.empty() ? "" : " " + extra) + "/>\n";
}

void Document::line(double x1, double y1, double x2, double y2, const std::string& stroke, double width) {
  body_ += "<line x1=\"" + fmt(x1) + "\" y1=\"" + fmt(y1) + "\" x2=\"" + fmt(x2) + "\" y2=\"" + fmt(y2) +
           "\" stroke=\"" + stroke + "\" stroke-width=\"" + fmt(width) + "\"/>\n";
}

void Document::polyline(const std::vector<std::pair<double, double>>& points, const std::string& stroke, double width) {
  std::string list;
  for (const auto& [x, y] : points) list += fmt(x) + "," + fmt(y) + " ";
  body_ += "<polyline fill=\"none\" stroke=\"" + stroke + "\" stroke-width=\"" + fmt(width) + "\" points=\"" + list +
           "\"/>\n";
}

void Document::circle(double x, double y, double r, const std::string& fill) {
  body_ += "<circle cx=\"" + fmt(x) + "\" cy=\"" + fmt(y) + "\" r=\"" + fmt(r) + "\" fill=\"" + fill + "\"/>\n";
}

void Document::text(double x, double y, const std::string& content, double font_size, const std::string& anchor,
                    double rotate, const std::string& extra) {
  body_ += "<text x=\"" + fmt(x) + "\" y=\"" + fmt(y) + "\" font-size=\"" + fmt(font_size) + "\" text-anchor=\"" +
           anchor + "\"" + (rotate != 0 ? " transform=\"rotate(" + fmt(rotate) + " " + fmt(x) + " " + fmt(y) + ")\"" : "") +
           (extra.empty() ? "" : " " + extra) + ">" + escape(content) + "</text>\n";
}

void Document::color_scale(double x, double y, double w, double h, const std::string& label) {
  const std::string id = "scale" + std::to_string(gradients_++);
  std::string stops;
  for (int i = 0; i <= 10; ++i) {
    stops += "<stop offset=\"" + fmt(10.0 * i) + "%\" stop-color=\"" + heat_color(1.0 - i / 10.0) + "\"/>";
  }
  body_ += "<defs><linearGradient id=\"" + id + "\" x1=\"0\" y1=\"0\" x2=\"0\" y2=\"1\">" + stops +
           "</linearGradient></defs>\n";
  rect(x, y, w, h, "url(#" + id + ")", "stroke=\"#888\"");
  for (const double v : {0.0, 0.5, 1.0}) {
    const double ty = y + h * (1.0 - v);
    line(x + w, ty, x + w + 4, ty, "#444");
    text(x + w + 6, ty + 4, short_number(v), 10);
  }
  text(x + w / 2, y - 6, label, 10, "middle");
}

void Document::raw(const std::string& markup) { body_ += markup; }

std::string Document::str() const {
  return "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + fmt(width_) + "\" height=\"" + fmt(height_) +
         "\" viewBox=\"0 0 " + fmt(width_) + " " + fmt(height_) +
         "\" font-family=\"DejaVu Sans, Arial, sans-serif\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n" +
         body_ + "</svg>\n";
}

}  // namespace mt::svg
