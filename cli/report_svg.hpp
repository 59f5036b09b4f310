// The markup pieces of `sitecache report`: HTML escaping and inline SVG charts. Pure
// functions from values to markup; every string argument is escaped here, so callers
// pass cache data (hostile: keys and labels are anything a build wrote) as it is.
#ifndef SITECACHE_CLI_REPORT_SVG_HPP
#define SITECACHE_CLI_REPORT_SVG_HPP

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sitecache::cli {

// `text` safe in element content and in quoted attribute values: & < > " ' escaped, and
// control bytes other than tab and newline replaced by U+FFFD.
std::string html_escape(std::string_view text);

// One line of a line chart, with its own vertical scale from 0 to `top`.
struct LineSeries {
  std::string name;                           // in the legend
  std::string css_class;                      // of the line and its points
  std::vector<std::optional<double>> values;  // one per x position; nullopt: no point
  double top = 1;                             // the value at the top of the chart
  std::string top_label;                      // "100%", "12s": shown at the top
  std::vector<std::string> titles;            // tooltip of each point (may be empty)
};

// <svg class="chart line-chart" data-points="N"> with one <polyline> per series and one
// <circle class="point ..."> per value that is present; `x_labels` (one per position)
// label the x axis, thinned out when many.
std::string line_chart(std::string_view id, std::string_view title,
                       const std::vector<std::string>& x_labels,
                       const std::vector<LineSeries>& series);

// One row of a horizontal bar chart: a label and one bar per series.
struct BarRow {
  std::string label;
  std::vector<double> values;      // one per series, >= 0
  std::vector<std::string> texts;  // what each value reads as ("1.2 MiB"), one per series
};

// <svg class="chart bar-chart" data-bars="N">: a group of bars per row (one
// <rect class="bar <class>"> per series), all on one scale.
std::string bar_chart(std::string_view id, std::string_view title,
                      const std::vector<std::string>& series_names,
                      const std::vector<std::string>& series_classes,
                      const std::vector<BarRow>& rows);

}  // namespace sitecache::cli

#endif  // SITECACHE_CLI_REPORT_SVG_HPP
