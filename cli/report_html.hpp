// The HTML page of `sitecache report`: one self-contained file (inline CSS, SVG charts and
// a small script; nothing is fetched) rendered from the document gather_report makes.
//
// Contract:
//   - every string from the document is HTML-escaped (report_svg.hpp's html_escape);
//   - the page reads without its script: every table row is in the markup. The script
//     only adds a filter box, paging (50 rows a page) and sorting by a column, and marks
//     the page: <html data-ready="1"> once it ran, data-js-errors="N" when any script
//     failed (the browser test reads both);
//   - the element ids the tests rely on: chart-builds (its points), chart-steps,
//     chart-size-step, chart-size-tag, table-builds, table-steps, table-size-step,
//     table-size-tag, table-misses-<generation>, table-stale.
#ifndef SITECACHE_CLI_REPORT_HTML_HPP
#define SITECACHE_CLI_REPORT_HTML_HPP

#include <string>

#include "output.hpp"

namespace sitecache::cli {

std::string render_report_html(const Json& report);

}  // namespace sitecache::cli

#endif  // SITECACHE_CLI_REPORT_HTML_HPP
