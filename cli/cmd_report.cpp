// `sitecache report`: one self-contained HTML page of what a cache does over its recent
// builds (report_data.hpp says what it reads, report_html.hpp what the page shows), or the
// same data as JSON.
#include <cstdio>
#include <fstream>
#include <memory>

#include "common.hpp"
#include "output.hpp"
#include "report_data.hpp"
#include "report_html.hpp"
#include "sitecache/build.hpp"

namespace sitecache::cli {
namespace {

struct ReportOptions {
  std::string out = "sitecache-report.html";  // "-": stdout
  size_t builds = 20;
  bool json = false;
};

void write_file(const std::string& path, const std::string& content) {
  const std::string temporary = path + ".tmp";
  {
    std::ofstream file(temporary, std::ios::binary | std::ios::trunc);
    file.write(content.data(), static_cast<std::streamsize>(content.size()));
    if (!file.flush()) fail("cannot write '" + temporary + "'");
  }
  if (std::rename(temporary.c_str(), path.c_str()) != 0) {
    std::remove(temporary.c_str());
    fail("cannot write '" + path + "'");
  }
}

int run_report(Context& context, const ReportOptions& options) {
  if (options.out.empty()) usage_error("--out must not be empty");
  Cache& cache = context.cache();
  ReportLimits limits;
  limits.builds = options.builds;
  Json report;
  {
    Progress progress("reading " + cache.name(), output_mode(options.json));
    report = gather_report(cache, limits, progress.callback());
  }
  if (options.json) {
    print_json(report);
    return kExitOk;
  }
  for (const Json& n : report["notes"]) note(n.get<std::string>());
  const std::string page = render_report_html(report);
  if (options.out == "-") {
    write_stdout(page);
    return kExitOk;
  }
  write_file(options.out, page);
  write_stdout("wrote " + options.out + " (" + size_text(page.size()) + ", " +
               counted(report["builds"].size(), "build", "builds") + ")\n");
  return kExitOk;
}

}  // namespace

void add_report_command(CLI::App& app, Context& context, Verbs& verbs) {
  auto options = std::make_shared<ReportOptions>();
  CLI::App* cmd = app.add_subcommand(
      "report",
      "Write an HTML page of hit ratios, step times, cache size, misses and stale entries");
  cmd->add_option("--out", options->out,
                  "The HTML file to write (default: sitecache-report.html; '-': stdout)")
      ->type_name("FILE");
  cmd->add_option("--builds", options->builds, "How many recent builds to show (default 20)")
      ->type_name("N")
      ->check(CLI::Range(size_t{1}, size_t{kBuildRecordsKept}));
  cmd->add_flag("--json", options->json,
                "Print the report's data as JSON instead (docs/report.md)");
  cmd->footer("The page is one file with no external resources; docs/report.md describes it.");
  verbs.add(cmd, "sitecache report [--cache NAME] [--out FILE] [--builds N] [--json]",
            [&context, options] { return run_report(context, *options); });
}

}  // namespace sitecache::cli
