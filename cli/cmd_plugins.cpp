// `sitecache plugins list | info NAME | check PATH`: the backends this installation can
// load, one backend in detail, and a self-test of a plugin file.
#include <cstdio>
#include <memory>

#include "common.hpp"
#include "output.hpp"
#include "plugin_check.hpp"
#include "sitecache/plugin_registry.hpp"

namespace sitecache::cli {
namespace {

namespace fs = std::filesystem;

struct PluginsOptions {
  bool json = false;
  std::string name;  // info
  std::string path;  // check
};

std::string joined(const std::vector<std::string>& parts, const char* separator) {
  std::string out;
  for (const std::string& p : parts) out += (out.empty() ? "" : separator) + p;
  return out;
}

std::string abi_text(const PluginInfo& p) {
  return std::to_string(p.abi_major) + "." + std::to_string(p.abi_minor);
}

Json plugin_json(const PluginInfo& p) {
  return {{"name", p.name},
          {"version", p.version},
          {"description", p.description},
          {"abi", abi_text(p)},
          {"capabilities", p.capability_names()},
          {"file", p.file.string()}};
}

int run_list(Context& context, const PluginsOptions& o) {
  PluginListing listing = list_plugins(context.config());
  if (o.json) {
    Json document = json_document("plugins list");
    Json plugins = Json::array();
    for (const PluginInfo& p : listing.plugins) plugins.push_back(plugin_json(p));
    document["plugins"] = std::move(plugins);
    Json problems = Json::array();
    for (const auto& [file, status] : listing.problems) {
      problems.push_back({{"file", file.string()}, {"error", status.message()}});
    }
    document["problems"] = std::move(problems);
    print_json(document);
  } else {
    Table table({"name", "version", "abi", "capabilities", "file"});
    for (const PluginInfo& p : listing.plugins) {
      table.add(
          {p.name, p.version, abi_text(p), joined(p.capability_names(), ","), p.file.string()});
    }
    table.print();
  }
  for (const auto& [file, status] : listing.problems) {
    print_lines("sitecache: warning: ", file.string() + ": " + status.message());
  }
  return kExitOk;
}

int run_info(Context& context, const PluginsOptions& o) {
  const Config& config = context.config();
  fs::path file = take(find_plugin(o.name, config));
  PluginInfo info = take(inspect_plugin(file));
  std::vector<std::string> users;
  for (const auto& [name, settings] : config.caches) {
    Result<fs::path> used = find_plugin(settings.backend, config);
    if (used && *used == file) users.push_back(name);
  }
  if (o.json) {
    Json document = json_document("plugins info");
    document["plugin"] = plugin_json(info);
    document["used_by"] = users;
    print_json(document);
    return kExitOk;
  }
  std::string text;
  text += "name          " + info.name + "\n";
  text += "version       " + info.version + "\n";
  text += "description   " + info.description + "\n";
  text += "abi           " + abi_text(info) + "\n";
  text += "capabilities  " + joined(info.capability_names(), ", ") + "\n";
  text += "file          " + info.file.string() + "\n";
  text += "used by       " + (users.empty() ? std::string("-") : joined(users, ", ")) + "\n";
  write_text(text);
  return kExitOk;
}

int run_check(const PluginsOptions& o) {
  std::error_code ec;
  fs::path file = fs::absolute(o.path, ec).lexically_normal();
  if (ec || !fs::is_regular_file(file, ec)) fail(o.path + ": no such plugin file");
  std::vector<CheckStep> steps = check_plugin(file);
  size_t failures = 0, passes = 0;
  for (const CheckStep& s : steps) {
    failures += s.outcome == CheckStep::Outcome::fail ? 1 : 0;
    passes += s.outcome == CheckStep::Outcome::pass ? 1 : 0;
  }
  if (o.json) {
    Json document = json_document("plugins check");
    document["file"] = file.string();
    document["ok"] = failures == 0;
    Json list = Json::array();
    for (const CheckStep& s : steps) {
      const char* outcome = s.outcome == CheckStep::Outcome::pass   ? "pass"
                            : s.outcome == CheckStep::Outcome::fail ? "fail"
                                                                    : "skip";
      list.push_back({{"name", s.name}, {"outcome", outcome}, {"detail", s.detail}});
    }
    document["steps"] = std::move(list);
    print_json(document);
  } else {
    std::string text;
    for (const CheckStep& s : steps) {
      const char* word = s.outcome == CheckStep::Outcome::pass   ? "PASS"
                         : s.outcome == CheckStep::Outcome::fail ? "FAIL"
                                                                 : "SKIP";
      text += std::string(word) + "  " + s.name + (s.detail.empty() ? "" : ": " + s.detail) + "\n";
    }
    text += std::to_string(passes) + " passed, " + std::to_string(failures) + " failed\n";
    write_text(text);
  }
  if (failures > 0) fail(file.string() + ": " + std::to_string(failures) + " check(s) failed");
  return kExitOk;
}

}  // namespace

void add_plugins_command(CLI::App& app, Context& context, Verbs& verbs) {
  auto o = std::make_shared<PluginsOptions>();
  CLI::App* plugins =
      app.add_subcommand("plugins", "List, inspect and self-test backend plugins (default: list)");
  plugins->add_flag("--json", o->json, "Print JSON (see docs/json.md)");
  verbs.add(plugins, "sitecache plugins [list | info NAME | check PATH] [--json]",
            [&context, o] { return run_list(context, *o); });

  CLI::App* list = plugins->add_subcommand("list", "Every plugin in the search path");
  list->add_flag("--json", o->json, "Print JSON (see docs/json.md)");
  verbs.add(list, "sitecache plugins list [--json]",
            [&context, o] { return run_list(context, *o); });

  CLI::App* info = plugins->add_subcommand("info", "One plugin: version, ABI, capabilities");
  info->add_option("NAME", o->name, "A plugin name (sqlite) or a path to its .so")->required();
  info->add_flag("--json", o->json, "Print JSON (see docs/json.md)");
  verbs.add(info, "sitecache plugins info NAME [--json]",
            [&context, o] { return run_info(context, *o); });

  CLI::App* check = plugins->add_subcommand(
      "check", "Load a plugin file and run a short self-test of its contract");
  check->add_option("PATH", o->path, "The plugin's .so file")->required();
  check->add_flag("--json", o->json, "Print JSON (see docs/json.md)");
  check->footer("Exit 1 when any step fails. The test uses a temporary location.");
  verbs.add(check, "sitecache plugins check PATH [--json]", [o] { return run_check(*o); });
}

}  // namespace sitecache::cli
