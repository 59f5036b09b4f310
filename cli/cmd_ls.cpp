// `sitecache ls`: the entries of one cache, newest first.
#include <algorithm>
#include <limits>
#include <memory>
#include <tuple>

#include "common.hpp"
#include "entries.hpp"
#include "output.hpp"

namespace sitecache::cli {
namespace {

struct LsOptions {
  bool json = false;
  size_t limit = 0;  // 0 = all
};

std::string join(const std::vector<std::string>& parts) {
  std::string out;
  for (const std::string& part : parts) out += (out.empty() ? "" : ",") + part;
  return out;
}

int run_ls(Context& context, const LsOptions& options) {
  Cache& cache = context.cache();
  EntryListing listing;
  {
    Progress progress("listing " + cache.name(), output_mode(options.json));
    listing = take(list_entries(cache, progress.callback()));
  }
  if (listing.source == EntrySource::build_records)
    note(cannot_scan_note(cache, listing.entries.size()));
  if (listing.corrupt > 0) {
    note(listing.corrupt == 1
             ? "1 stored entry fails its checks (checksum or format) and is not listed"
             : std::to_string(listing.corrupt) +
                   " stored entries fail their checks (checksum or format) and are not listed");
  }
  std::vector<EntryInfo>& entries = listing.entries;
  std::sort(entries.begin(), entries.end(), [](const EntryInfo& a, const EntryInfo& b) {
    return std::tie(b.created_ms, a.key) < std::tie(a.created_ms, b.key);
  });
  const size_t total = entries.size();
  const bool truncated = options.limit > 0 && total > options.limit;
  if (truncated) entries.resize(options.limit);

  if (options.json) {
    Json document = json_document("ls");
    document["cache"] = cache.name();
    document["source"] = to_string(listing.source);
    document["total"] = total;
    document["truncated"] = truncated;
    document["corrupt"] = listing.corrupt;
    Json list = Json::array();
    for (const EntryInfo& e : entries) list.push_back(entry_json(e));
    document["entries"] = std::move(list);
    print_json(document);
    return kExitOk;
  }
  const int64_t now = now_ms();
  Table table({"label", "slot", "size", "age", "expires", "tags"},
              {false, false, true, false, false, false});
  for (const EntryInfo& e : entries) {
    table.add({e.label.empty() ? "-" : e.label, e.slot.empty() ? "-" : e.slot,
               size_text(entry_size(e)), age_text(e.created_ms, now),
               expiry_text(e.expires_ms, now), e.tags.empty() ? "-" : join(e.tags)});
  }
  table.print();
  std::string summary = std::to_string(total) + (total == 1 ? " entry" : " entries");
  if (truncated) summary += ", showing the newest " + std::to_string(entries.size());
  write_text(summary + "\n");
  return kExitOk;
}

}  // namespace

void add_ls_command(CLI::App& app, Context& context, Verbs& verbs) {
  auto options = std::make_shared<LsOptions>();
  CLI::App* cmd = app.add_subcommand("ls", "List the entries of a cache, newest first");
  cmd->add_option("--limit", options->limit, "Show at most N entries (default: all)")
      ->type_name("N")
      ->check(whole_number(1, std::numeric_limits<uint32_t>::max()));
  cmd->add_flag("--json", options->json, "Print JSON (see docs/json.md)");
  cmd->footer(
      "On a backend that cannot scan, the entries named by the stored build records are\n"
      "listed instead, and a note on stderr says so.");
  verbs.add(cmd, "sitecache ls [--cache NAME] [--limit N] [--json]",
            [&context, options] { return run_ls(context, *options); });
}

}  // namespace sitecache::cli
