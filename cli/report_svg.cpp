#include "report_svg.hpp"

#include <algorithm>
#include <cstdio>

namespace sitecache::cli {
namespace {

// Coordinates with one decimal: enough for a screen, short in the file.
std::string num(double v) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.1f", v);
  return buffer;
}

std::string attr(std::string_view name, std::string_view value) {
  return " " + std::string(name) + "=\"" + html_escape(value) + "\"";
}

std::string text_at(double x, double y, std::string_view anchor, std::string_view text,
                    std::string_view css_class = "axis") {
  return "<text" + attr("x", num(x)) + attr("y", num(y)) + attr("text-anchor", anchor) +
         attr("class", css_class) + ">" + html_escape(text) + "</text>";
}

std::string legend(const std::vector<std::string>& names, const std::vector<std::string>& classes,
                   double x, double y) {
  std::string out;
  for (size_t i = 0; i < names.size(); ++i) {
    out += "<rect" + attr("x", num(x)) + attr("y", num(y - 9)) + " width=\"10\" height=\"10\"" +
           attr("class", "swatch " + classes[i]) + "/>";
    out += text_at(x + 14, y, "start", names[i], "legend");
    x += 24 + 7.0 * static_cast<double>(names[i].size());
  }
  return out;
}

}  // namespace

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        if ((static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n') || c == 0x7f) {
          out += "\xEF\xBF\xBD";
        } else {
          out += c;
        }
    }
  }
  return out;
}

std::string line_chart(std::string_view id, std::string_view title,
                       const std::vector<std::string>& x_labels,
                       const std::vector<LineSeries>& series) {
  constexpr double kWidth = 760, kHeight = 260, kLeft = 56, kRight = 56, kTop = 34, kBottom = 40;
  const double plot_w = kWidth - kLeft - kRight, plot_h = kHeight - kTop - kBottom;
  const size_t n = x_labels.size();
  auto x_at = [&](size_t i) {
    return n <= 1 ? kLeft + plot_w / 2
                  : kLeft + plot_w * static_cast<double>(i) / static_cast<double>(n - 1);
  };
  std::string out = "<svg" + attr("id", id) + attr("class", "chart line-chart") +
                    attr("data-points", std::to_string(n)) + " viewBox=\"0 0 " + num(kWidth) + " " +
                    num(kHeight) + "\" role=\"img\"" + attr("aria-label", title) + ">";
  out += "<title>" + html_escape(title) + "</title>";
  // Frame and grid: quarters of each scale.
  for (int q = 0; q <= 4; ++q) {
    const double y = kTop + plot_h * q / 4.0;
    out += "<line class=\"grid\"" + attr("x1", num(kLeft)) + attr("x2", num(kLeft + plot_w)) +
           attr("y1", num(y)) + attr("y2", num(y)) + "/>";
  }
  std::vector<std::string> names, classes;
  for (size_t s = 0; s < series.size(); ++s) {
    names.push_back(series[s].name);
    classes.push_back(series[s].css_class);
    const bool left = s == 0;
    out += text_at(left ? kLeft - 6 : kLeft + plot_w + 6, kTop + 4, left ? "end" : "start",
                   series[s].top_label, "axis " + series[s].css_class);
    out += text_at(left ? kLeft - 6 : kLeft + plot_w + 6, kTop + plot_h + 4, left ? "end" : "start",
                   "0", "axis");
  }
  out += legend(names, classes, kLeft, 18);
  const size_t step = std::max<size_t>(1, (n + 11) / 12);  // at most ~12 x labels
  for (size_t i = 0; i < n; i += step) {
    out += text_at(x_at(i), kTop + plot_h + 18, "middle", x_labels[i]);
  }
  for (const LineSeries& s : series) {
    const double top = s.top > 0 ? s.top : 1;
    std::string points, circles;
    for (size_t i = 0; i < n && i < s.values.size(); ++i) {
      if (!s.values[i]) continue;
      const double v = std::clamp(*s.values[i] / top, 0.0, 1.0);
      const std::string x = num(x_at(i)), y = num(kTop + plot_h * (1 - v));
      points += (points.empty() ? "" : " ") + x + "," + y;
      circles += "<circle" + attr("class", "point " + s.css_class) + attr("cx", x) + attr("cy", y) +
                 " r=\"3.5\">";
      if (i < s.titles.size()) circles += "<title>" + html_escape(s.titles[i]) + "</title>";
      circles += "</circle>";
    }
    out += "<polyline" + attr("class", "line " + s.css_class) + attr("points", points) + "/>";
    out += circles;
  }
  return out + "</svg>";
}

std::string bar_chart(std::string_view id, std::string_view title,
                      const std::vector<std::string>& series_names,
                      const std::vector<std::string>& series_classes,
                      const std::vector<BarRow>& rows) {
  constexpr double kWidth = 760, kLabel = 220, kValue = 90, kBar = 12, kGap = 10, kTop = 30;
  const size_t per_row = series_names.size();
  const double row_h = kBar * static_cast<double>(per_row) + kGap;
  const double height = kTop + row_h * static_cast<double>(rows.size()) + 6;
  const double plot_w = kWidth - kLabel - kValue;
  double max = 0;
  for (const BarRow& row : rows) {
    for (double v : row.values) max = std::max(max, v);
  }
  if (max <= 0) max = 1;
  std::string out = "<svg" + attr("id", id) + attr("class", "chart bar-chart") +
                    attr("data-bars", std::to_string(rows.size())) + " viewBox=\"0 0 " +
                    num(kWidth) + " " + num(height) + "\" role=\"img\"" +
                    attr("aria-label", title) + ">";
  out += "<title>" + html_escape(title) + "</title>";
  out += legend(series_names, series_classes, kLabel, 16);
  for (size_t r = 0; r < rows.size(); ++r) {
    const BarRow& row = rows[r];
    const double y0 = kTop + row_h * static_cast<double>(r);
    std::string label = row.label;
    if (label.size() > 32) {  // cut on a UTF-8 character boundary
      size_t cut = 30;
      while (cut > 0 && (static_cast<unsigned char>(label[cut]) & 0xC0) == 0x80) --cut;
      label = label.substr(0, cut) + "…";
    }
    out += "<g class=\"bar-row\">";
    out += "<title>" + html_escape(row.label) + "</title>";
    out += text_at(kLabel - 8, y0 + row_h / 2, "end", label, "label");
    for (size_t s = 0; s < per_row && s < row.values.size(); ++s) {
      const double y = y0 + kBar * static_cast<double>(s);
      const double w = std::max(0.0, row.values[s] / max * plot_w);
      out += "<rect" + attr("class", "bar " + series_classes[s]) + attr("x", num(kLabel)) +
             attr("y", num(y)) + attr("width", num(w)) + attr("height", num(kBar - 2)) + "/>";
      if (s < row.texts.size()) {
        out += text_at(kLabel + w + 4, y + kBar - 3, "start", row.texts[s], "value");
      }
    }
    out += "</g>";
  }
  return out + "</svg>";
}

}  // namespace sitecache::cli
