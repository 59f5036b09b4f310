#include "report_html.hpp"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <optional>
#include <vector>

#include "report_page.hpp"
#include "report_svg.hpp"

namespace sitecache::cli {
namespace {

constexpr size_t kChartBars = 15;  // bars per bar chart; the tables have every row

enum class Align { text, number };

struct Cell {
  std::string text;
  std::optional<uint64_t> sort_value;  // numeric columns sort by this
  std::string css_class;               // extra class ("key", "slot")
};

Cell text_cell(std::string text, std::string css_class = {}) {
  return {std::move(text), std::nullopt, std::move(css_class)};
}
Cell number_cell(std::string text, uint64_t value) {
  return {std::move(text), value, {}};
}

// A <table class="data"> (report_page.hpp's script pages, filters and sorts it).
class HtmlTable {
 public:
  HtmlTable(std::string id, std::vector<std::pair<std::string, Align>> columns)
      : id_(std::move(id)), columns_(std::move(columns)) {}

  void add(const std::vector<Cell>& cells) {
    body_ += "<tr>";
    for (size_t i = 0; i < cells.size(); ++i) {
      std::string classes = columns_[i].second == Align::number ? "n" : "";
      if (!cells[i].css_class.empty()) classes += (classes.empty() ? "" : " ") + cells[i].css_class;
      body_ += "<td";
      if (!classes.empty()) body_ += " class=\"" + classes + "\"";
      if (cells[i].sort_value)
        body_ += " data-value=\"" + std::to_string(*cells[i].sort_value) + "\"";
      body_ += ">" + html_escape(cells[i].text) + "</td>";
    }
    body_ += "</tr>\n";
    ++rows_;
  }

  std::string markup() const {
    std::string out = "<table class=\"data\" id=\"" + html_escape(id_) + "\" data-rows=\"" +
                      std::to_string(rows_) + "\"><thead><tr>";
    for (const auto& [name, align] : columns_) {
      out += align == Align::number ? "<th class=\"n\">" : "<th>";
      out += html_escape(name) + "</th>";
    }
    return out + "</tr></thead><tbody>\n" + body_ + "</tbody></table>\n";
  }

 private:
  std::string id_;
  std::vector<std::pair<std::string, Align>> columns_;
  std::string body_;
  size_t rows_ = 0;
};

uint64_t u64(const Json& value) {
  return value.is_number() ? value.get<uint64_t>() : 0;
}

std::string utc_text(int64_t ms) {
  const std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%d %H:%M UTC", &tm);
  return buffer;
}

std::string paragraph(std::string_view text, std::string_view css_class = "note") {
  return "<p class=\"" + std::string(css_class) + "\">" + html_escape(text) + "</p>\n";
}

// "first_use 12, inputs_changed 3"
std::string reason_counts(const Json& by_reason) {
  std::string out;
  for (const auto& [reason, count] : by_reason.items()) {
    out += (out.empty() ? "" : ", ") + reason + " " + std::to_string(u64(count));
  }
  return out;
}

std::string builds_section(const Json& builds) {
  std::string out = "<h2 id=\"builds\">Hit ratio and time saved per build</h2>\n";
  if (builds.empty()) return out + paragraph("No build records.");
  std::vector<std::string> x_labels;
  LineSeries hit{"hit ratio", "hit", {}, 1, "100%", {}};
  LineSeries saved{"time saved", "saved", {}, 0, "", {}};
  HtmlTable table("table-builds", {{"build", Align::text},
                                   {"started", Align::text},
                                   {"took", Align::number},
                                   {"hits", Align::number},
                                   {"misses", Align::number},
                                   {"hit ratio", Align::number},
                                   {"refused (signature)", Align::number},
                                   {"saved", Align::number},
                                   {"rendering", Align::number}});
  for (const Json& b : builds) {
    const std::string name = "#" + std::to_string(u64(b["generation"]));
    const uint64_t hits = u64(b["hits"]), misses = u64(b["misses"]), saved_us = u64(b["saved_us"]);
    x_labels.push_back(name);
    hit.values.push_back(b["hit_ratio"].is_number() ? std::optional(b["hit_ratio"].get<double>())
                                                    : std::nullopt);
    hit.titles.push_back(name + ": " + percent(hits, misses) + " hits");
    saved.values.push_back(static_cast<double>(saved_us));
    saved.titles.push_back(name + ": saved " + micros_text(saved_us));
    saved.top = std::max(saved.top, static_cast<double>(saved_us));
    const int64_t duration = b["duration_ms"].get<int64_t>();
    table.add(
        {text_cell(name), text_cell(utc_text(b["started_ms"].get<int64_t>())),
         number_cell(duration_text(std::chrono::milliseconds(duration)),
                     static_cast<uint64_t>(std::max<int64_t>(0, duration))),
         number_cell(std::to_string(hits), hits), number_cell(std::to_string(misses), misses),
         number_cell(percent(hits, misses), hits * 10000 / std::max<uint64_t>(1, hits + misses)),
         number_cell(std::to_string(u64(b["rejected"])), u64(b["rejected"])),
         number_cell(micros_text(saved_us), saved_us),
         number_cell(micros_text(u64(b["render_us"])), u64(b["render_us"]))});
  }
  saved.top_label = micros_text(static_cast<uint64_t>(saved.top));
  out += line_chart("chart-builds", "Hit ratio and time saved per build", x_labels, {hit, saved});
  return out + table.markup();
}

std::string steps_section(const Json& steps) {
  std::string out = "<h2 id=\"steps\">Time per step</h2>\n";
  if (steps.empty()) return out + paragraph("No step was recorded in these builds.");
  out += paragraph("Rendering: time spent on misses. Saved: the recorded cost of the hits.");
  std::vector<BarRow> bars;
  HtmlTable table("table-steps", {{"step", Align::text},
                                  {"hits", Align::number},
                                  {"misses", Align::number},
                                  {"hit ratio", Align::number},
                                  {"rendering", Align::number},
                                  {"saved", Align::number}});
  for (const Json& s : steps) {
    const std::string name = s["step"].get<std::string>();
    const uint64_t hits = u64(s["hits"]), misses = u64(s["misses"]);
    const uint64_t render = u64(s["render_us"]), saved = u64(s["saved_us"]);
    if (bars.size() < kChartBars) {
      bars.push_back({name,
                      {static_cast<double>(render), static_cast<double>(saved)},
                      {micros_text(render), micros_text(saved)}});
    }
    table.add(
        {text_cell(name), number_cell(std::to_string(hits), hits),
         number_cell(std::to_string(misses), misses),
         number_cell(percent(hits, misses), hits * 10000 / std::max<uint64_t>(1, hits + misses)),
         number_cell(micros_text(render), render), number_cell(micros_text(saved), saved)});
  }
  out += bar_chart("chart-steps", "Rendering time and time saved per step", {"rendering", "saved"},
                   {"render", "saved"}, bars);
  return out + table.markup();
}

std::string usage_part(std::string_view what, std::string_view id, const Json& rows) {
  std::string out = "<h3>By " + std::string(what) + "</h3>\n";
  if (rows.empty()) return out + paragraph("No entries.");
  std::vector<BarRow> bars;
  HtmlTable table(
      "table-size-" + std::string(id),
      {{std::string(what), Align::text}, {"entries", Align::number}, {"size", Align::number}});
  for (const Json& r : rows) {
    const std::string name = r["name"].get<std::string>();
    const uint64_t entries = u64(r["entries"]), bytes = u64(r["bytes"]);
    if (bars.size() < kChartBars)
      bars.push_back({name, {static_cast<double>(bytes)}, {size_text(bytes)}});
    table.add({text_cell(name), number_cell(std::to_string(entries), entries),
               number_cell(size_text(bytes), bytes)});
  }
  out += bar_chart("chart-size-" + std::string(id), "Cache size by " + std::string(what), {"size"},
                   {"bytes"}, bars);
  return out + table.markup();
}

std::string size_section(const Json& size) {
  std::string out = "<h2 id=\"size\">What fills the cache</h2>\n";
  if (size.is_null()) return out + paragraph("The entries could not be listed (see the notes).");
  out += paragraph(counted(u64(size["entries"]), "entry", "entries") + ", " +
                   size_text(u64(size["bytes"])) + " (" +
                   counted(u64(size["blobs"]["entries"]), "file blob", "file blobs") + ", " +
                   size_text(u64(size["blobs"]["bytes"])) + ")");
  // Tags overlap (an entry may carry several), so the tag sizes may add up to more.
  return out + usage_part("step", "step", size["by_step"]) +
         usage_part("tag", "tag", size["by_tag"]);
}

std::string misses_section(const Json& misses, uint64_t max_rows) {
  std::string out = "<h2 id=\"misses\">What missed, and why</h2>\n";
  if (misses.empty()) return out + paragraph("No build records.");
  for (const Json& build : misses) {
    const uint64_t generation = u64(build["generation"]), count = u64(build["misses"]);
    out += "<h3>Build #" + std::to_string(generation) + ": " + counted(count, "miss", "misses") +
           "</h3>\n";
    if (count == 0) continue;
    out += paragraph(reason_counts(build["by_reason"]));
    if (count > build["rows"].size()) {
      out += paragraph("Showing the first " + std::to_string(build["rows"].size()) + " (at most " +
                       std::to_string(max_rows) + " a build).");
    }
    HtmlTable table("table-misses-" + std::to_string(generation), {{"step", Align::text},
                                                                   {"slot", Align::text},
                                                                   {"reason", Align::text},
                                                                   {"explanation", Align::text}});
    for (const Json& r : build["rows"]) {
      table.add(
          {text_cell(r["step"].get<std::string>()), text_cell(r["slot"].get<std::string>(), "slot"),
           text_cell(r["reason"].get<std::string>()), text_cell(r["message"].get<std::string>())});
    }
    out += table.markup();
  }
  return out;
}

std::string stale_section(const Json& stale) {
  std::string out = "<h2 id=\"stale\">Stale entries</h2>\n";
  if (stale.is_null())
    return out + paragraph("The stale entries could not be found (see the notes).");
  const uint64_t entries = u64(stale["entries"]);
  out += paragraph("`sitecache clear --stale` (keeping the newest " +
                   std::to_string(u64(stale["keep_builds"])) + " builds) would remove " +
                   counted(entries, "entry", "entries") + ", " + size_text(u64(stale["bytes"])) +
                   (entries > 0 ? ": " + reason_counts(stale["by_reason"]) : std::string()) + ".");
  if (entries == 0) return out;
  if (entries > stale["rows"].size()) {
    out += paragraph("Showing the largest " + std::to_string(stale["rows"].size()) + ".");
  }
  HtmlTable table("table-stale", {{"step / label", Align::text},
                                  {"slot", Align::text},
                                  {"reason", Align::text},
                                  {"size", Align::number},
                                  {"key", Align::text}});
  for (const Json& r : stale["rows"]) {
    const uint64_t bytes = u64(r["bytes"]);
    table.add({text_cell(r["label"].get<std::string>()),
               text_cell(r["slot"].get<std::string>(), "slot"),
               text_cell(r["reason"].get<std::string>()), number_cell(size_text(bytes), bytes),
               text_cell(r["key"].get<std::string>(), "key")});
  }
  return out + table.markup();
}

}  // namespace

std::string render_report_html(const Json& report) {
  const std::string cache = report["cache"].get<std::string>();
  std::string out =
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
      "style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">"
      "<title>sitecache report: " +
      html_escape(cache) + "</title>\n<style>" + std::string(kReportStyle) + "</style>\n<script>" +
      std::string(kReportErrorCatcher) + "</script>\n</head><body>\n";
  out += "<h1>sitecache report: cache " + html_escape(cache) + "</h1>\n";
  out += paragraph("Backend " + report["backend"].get<std::string>() + ", generated " +
                       utc_text(report["generated_ms"].get<int64_t>()) + ", the last " +
                       counted(report["builds"].size(), "build", "builds") + " (of at most " +
                       std::to_string(u64(report["builds_requested"])) + " asked for).",
                   "meta");
  if (!report["notes"].empty()) {
    out += "<div class=\"notes\">";
    for (const Json& note : report["notes"]) out += paragraph(note.get<std::string>());
    out += "</div>\n";
  }
  out += builds_section(report["builds"]);
  out += steps_section(report["steps"]);
  out += size_section(report["size"]);
  out += misses_section(report["misses"], u64(report["max_rows"]));
  out += stale_section(report["stale"]);
  out += "<script>" + std::string(kReportScript) + "</script>\n</body></html>\n";
  return out;
}

}  // namespace sitecache::cli
