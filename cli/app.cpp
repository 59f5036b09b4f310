// The `sitecache` application (app.hpp): parsing a command line, reporting what CLI11
// refuses, and running the selected verb.
#include "app.hpp"

#include <algorithm>
#include <cstdio>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "output.hpp"

#ifndef SITECACHE_VERSION
#define SITECACHE_VERSION "unknown"
#endif

namespace sitecache::cli {
namespace {

// The deepest command the parser reached, and its path ("sitecache plugins info").
const CLI::App* deepest_command(const CLI::App& app, std::string& path) {
  const CLI::App* command = &app;
  path = app.get_name();
  while (!command->get_subcommands().empty()) {
    command = command->get_subcommands().front();
    path += " " + command->get_name();
  }
  return command;
}

void print_usage_hint(const Verbs& verbs, const CLI::App* command, const std::string& path) {
  const Verbs::Verb* verb = verbs.find(command);
  std::string text;
  if (verb != nullptr && !verb->usage.empty()) text = "usage: " + verb->usage + "\n";
  text += "Run '" + path + " --help' for more information.\n";
  std::fputs(text.c_str(), stderr);
}

// Reports a command line CLI11 refused: an unknown verb by name, anything else as CLI11
// words it, then the usage of the deepest command reached. Returns the exit status.
int report_parse_error(CLI::App& app, const CLI::ParseError& e, const Verbs& verbs) {
  if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version
  std::string path;
  const CLI::App* command = deepest_command(app, path);
  std::vector<std::string> rest = app.remaining();
  if (command == &app && !rest.empty() && !rest.front().starts_with("-")) {
    std::string known;
    for (const CLI::App* verb : app.get_subcommands({})) {
      known += (known.empty() ? "" : ", ") + verb->get_name();
    }
    print_lines("sitecache: error: ", "unknown verb '" + rest.front() + "' (verbs: " + known + ")");
  } else {
    print_lines("sitecache: error: ", e.what());
  }
  print_usage_hint(verbs, command, path);
  return kExitUsage;
}

// The verbs, by the names they add. Building every verb's options costs about as much as
// a `sitecache exec` hit's own work, so a command line that names a verb builds only that
// one (help and usage errors for a verb need nothing else).
struct VerbGroup {
  std::initializer_list<std::string_view> names;
  void (*add)(CLI::App&, Context&, Verbs&);
};
const VerbGroup kVerbGroups[] = {
    {{"stats"}, add_stats_command},
    {{"ls"}, add_ls_command},
    {{"clear"}, add_clear_command},
    {{"gc"}, add_gc_command},
    {{"get", "put", "delete", "touch"}, add_kv_commands},
    {{"explain"}, add_explain_command},
    {{"plugins"}, add_plugins_command},
    {{"config"}, add_config_command},
    {{"exec"}, add_exec_command},
    {{"build"}, add_build_command},
    {{"key"}, add_key_command},
    {{"keys"}, add_keys_command},
    {{"report"}, add_report_command},
};

}  // namespace

Application::Application() {
  app_.set_version_flag("--version", "sitecache " SITECACHE_VERSION);
  app_.require_subcommand(1);
  app_.fallthrough();  // the global options may also follow the verb
  app_.add_option("--cache", globals_.cache, "The named cache to use (default: \"default\")")
      ->type_name("NAME");
  app_.add_option("--config", globals_.config,
                  "The configuration file (default: $SITECACHE_CONFIG, else ./sitecache.toml)")
      ->type_name("FILE");
  app_.footer(
      "Exit status: 0 done, 1 failure, 2 usage error, 3 not found.\n"
      "Run 'sitecache VERB --help' for the options of one verb.");
  verbs_.add(&app_, "sitecache [--cache NAME] [--config FILE] VERB ...");
}

void Application::add_verbs(std::string_view verb) {
  for (const VerbGroup& group : kVerbGroups) {
    if (std::find(group.names.begin(), group.names.end(), verb) != group.names.end()) {
      group.add(app_, context_, verbs_);
      return;
    }
  }
  for (const VerbGroup& group : kVerbGroups) group.add(app_, context_, verbs_);
}

std::optional<int> Application::parse(int argc, char** argv) {
  const int verb_at = verb_index(argc, argv);
  add_verbs(verb_at < argc ? std::string_view(argv[verb_at]) : std::string_view());
  std::vector<char*> words;
  try {
    words = split_exec_command(argc, argv, globals_.exec_command);
  } catch (const CliError& e) {
    print_lines("sitecache: error: ", e.what());
    print_usage_hint(verbs_, app_.get_subcommand("exec"), "sitecache exec");
    return kExitUsage;
  }
  try {
    app_.parse(static_cast<int>(words.size()), words.data());
  } catch (const CLI::ParseError& e) {
    return report_parse_error(app_, e, verbs_);
  }
  return std::nullopt;
}

const Verbs::Verb* Application::selected(std::string& path) const {
  const Verbs::Verb* verb = verbs_.find(deepest_command(app_, path));
  return verb != nullptr && verb->run ? verb : nullptr;
}

int Application::run() {
  std::string path;
  const CLI::App* command = deepest_command(app_, path);
  const Verbs::Verb* verb = selected(path);
  if (verb == nullptr) {
    print_lines("sitecache: error: ", "'" + path + "' needs a subcommand");
    print_usage_hint(verbs_, command, path);
    return kExitUsage;
  }
  try {
    return verb->run();
  } catch (const CliError& e) {
    print_lines(e.code() == kExitNotFound ? "sitecache: " : "sitecache: error: ", e.what());
    if (e.code() == kExitUsage) print_usage_hint(verbs_, command, path);
    return e.code();
  }
}

}  // namespace sitecache::cli
