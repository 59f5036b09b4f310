// The fixed parts of the report page: its style sheet and its script (report_html.hpp
// states what the script does and how it marks the page).
#ifndef SITECACHE_CLI_REPORT_PAGE_HPP
#define SITECACHE_CLI_REPORT_PAGE_HPP

#include <string_view>

namespace sitecache::cli {

inline constexpr std::string_view kReportStyle = R"css(
body{font:14px/1.45 system-ui,sans-serif;margin:0 auto;max-width:1000px;padding:16px 24px;color:#222}
h1{font-size:22px;margin:8px 0}h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid #ddd}
h3{font-size:15px;margin:18px 0 6px}.meta,.note{color:#555}.note{margin:4px 0}
.notes{background:#fff6e0;border:1px solid #e8d29a;padding:6px 12px}
svg.chart{width:100%;height:auto;max-width:760px;display:block;margin:8px 0}
.grid{stroke:#e4e4e4}.axis,.value,.label,.legend{font-size:11px;fill:#555}.legend{fill:#222}
.line{fill:none;stroke-width:2}.line.hit{stroke:#2b7bb9}.line.saved{stroke:#3a9d5d}
.point.hit,.swatch.hit{fill:#2b7bb9}.point.saved,.swatch.saved,.bar.saved{fill:#3a9d5d}
.bar.render,.swatch.render{fill:#d9822b}.bar.bytes,.swatch.bytes{fill:#7b61c9}
table.data{border-collapse:collapse;width:100%;font-size:13px;margin:4px 0 12px}
table.data th,table.data td{border-bottom:1px solid #eee;padding:3px 6px;text-align:left;vertical-align:top}
table.data th{background:#f6f6f6;cursor:pointer;user-select:none}
table.data td.n,table.data th.n{text-align:right;white-space:nowrap}
td.key,td.slot{font-family:ui-monospace,monospace;word-break:break-all}
.controls{display:flex;gap:8px;align-items:center;margin:6px 0}.controls input{flex:0 1 260px}
)css";

inline constexpr std::string_view kReportErrorCatcher = R"js(
window.addEventListener("error", function () {
  var root = document.documentElement;
  root.setAttribute("data-js-errors", String((Number(root.getAttribute("data-js-errors")) || 0) + 1));
});
)js";

inline constexpr std::string_view kReportScript = R"js(
(function () {
  "use strict";
  var PAGE = 50;
  function button(text) {
    var b = document.createElement("button");
    b.type = "button";
    b.textContent = text;
    return b;
  }
  function cellValue(row, i, numeric) {
    var cell = row.cells[i];
    if (!cell) return numeric ? 0 : "";
    if (numeric) return Number(cell.getAttribute("data-value")) || 0;
    return cell.textContent.toLowerCase();
  }
  function setup(table) {
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    var state = { filter: "", page: 0 };
    var bar = document.createElement("div");
    bar.className = "controls";
    var input = document.createElement("input");
    input.type = "search";
    input.placeholder = "filter rows";
    var prev = button("\u2039 prev"), next = button("next \u203a");
    var info = document.createElement("span");
    info.className = "pager-info";
    bar.appendChild(input);
    bar.appendChild(prev);
    bar.appendChild(next);
    bar.appendChild(info);
    table.parentNode.insertBefore(bar, table);
    function render() {
      var f = state.filter;
      var matching = rows.filter(function (r) {
        return !f || r.textContent.toLowerCase().indexOf(f) >= 0;
      });
      var pages = Math.max(1, Math.ceil(matching.length / PAGE));
      if (state.page >= pages) state.page = pages - 1;
      var start = state.page * PAGE;
      var shown = new Set(matching.slice(start, start + PAGE));
      rows.forEach(function (r) { r.hidden = !shown.has(r); });
      info.textContent = matching.length
          ? (start + 1) + "\u2013" + Math.min(start + PAGE, matching.length) + " of " + matching.length
          : "no rows";
      prev.disabled = state.page === 0;
      next.disabled = state.page >= pages - 1;
    }
    input.addEventListener("input", function () {
      state.filter = input.value.toLowerCase();
      state.page = 0;
      render();
    });
    prev.addEventListener("click", function () { state.page -= 1; render(); });
    next.addEventListener("click", function () { state.page += 1; render(); });
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, i) {
      th.addEventListener("click", function () {
        var numeric = th.classList.contains("n");
        var dir = th.getAttribute("data-dir") === "desc" ? 1 : -1;
        th.setAttribute("data-dir", dir === 1 ? "asc" : "desc");
        rows.sort(function (a, b) {
          var x = cellValue(a, i, numeric), y = cellValue(b, i, numeric);
          return x < y ? -dir : x > y ? dir : 0;
        });
        rows.forEach(function (r) { body.appendChild(r); });
        render();
      });
    });
    render();
  }
  Array.prototype.forEach.call(document.querySelectorAll("table.data"), setup);
  document.documentElement.setAttribute("data-ready", "1");
})();
)js";

}  // namespace sitecache::cli

#endif  // SITECACHE_CLI_REPORT_PAGE_HPP
