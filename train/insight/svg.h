// A little SVG writer for the pictures minitrans draws (attention heatmaps, training curves,
// the run report): self-contained documents, no scripts, no fonts to fetch, so they open
// anywhere, offline. Read next: plots.h.
#pragma once

#include <string>
#include <vector>

namespace mt::svg {

/// Text made safe for XML content and attribute values (&, <, >, ").
std::string escape(const std::string& text);

/// The colour of v in [0, 1] on a white-to-dark-blue scale, as "#rrggbb".
std::string heat_color(double v);

/// About `count` round tick values covering [low, high] (steps of 1, 2 or 5 times a power of 10).
std::vector<double> nice_ticks(double low, double high, int count = 5);

/// A number as a short label: 0.0003 -> "3e-04", 1500 -> "1500", 0.25 -> "0.25".
std::string short_number(double v);

class Document {
 public:
  /// Starts the document; `width` and `height` may be set later by size().
  Document() = default;
  void size(double width, double height);

  void rect(double x, double y, double w, double h, const std::string& fill, const std::string& extra = "");
  void line(double x1, double y1, double x2, double y2, const std::string& stroke, double width = 1.0);
  /// Points as x0,y0 x1,y1 ...
  void polyline(const std::vector<std::pair<double, double>>& points, const std::string& stroke, double width = 1.5);
  void circle(double x, double y, double r, const std::string& fill);
  /// anchor: start, middle or end; rotate in degrees about (x, y).
  void text(double x, double y, const std::string& content, double font_size = 11, const std::string& anchor = "start",
            double rotate = 0, const std::string& extra = "");
  /// A vertical colour bar of heat_color from 0 (bottom) to 1 (top) with ticks 0, 0.5, 1.
  void color_scale(double x, double y, double w, double h, const std::string& label);
  /// Raw markup, for what the helpers above do not cover.
  void raw(const std::string& markup);

  /// The whole document: <svg ...> with a white background, then everything drawn.
  std::string str() const;

 private:
  double width_ = 100, height_ = 100;
  std::string body_;
  int gradients_ = 0;
};

}  // namespace mt::svg
