// The `sitecache` command: parses the command line, runs one verb, maps the outcome to
// the documented exit status (0 done, 1 failure, 2 usage error, 3 not found). Every error
// is reported on stderr as "sitecache: error: <what>".
#include <algorithm>
#include <cstdio>
#include <exception>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include "common.hpp"

#ifndef SITECACHE_VERSION
#define SITECACHE_VERSION "unknown"
#endif

namespace {

using namespace sitecache::cli;

void print_lines(const std::string& prefix, std::string message) {
  while (!message.empty() && message.back() == '\n') message.pop_back();
  std::string out;
  size_t start = 0;
  while (start <= message.size()) {
    size_t end = message.find('\n', start);
    if (end == std::string::npos) end = message.size();
    out += prefix + message.substr(start, end - start) + "\n";
    start = end + 1;
  }
  std::fputs(out.c_str(), stderr);
}

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

// The `sitecache` application: global options and the verbs. `verb` is the verb the
// command line names; when it names none that is known (sitecache --help, a typo that
// is reported with the list of verbs), every verb is added.
void configure(CLI::App& app, GlobalOptions& globals, Context& context, Verbs& verbs,
               std::string_view verb) {
  app.set_version_flag("--version", "sitecache " SITECACHE_VERSION);
  app.require_subcommand(1);
  app.fallthrough();  // the global options may also follow the verb
  app.add_option("--cache", globals.cache, "The named cache to use (default: \"default\")")
      ->type_name("NAME");
  app.add_option("--config", globals.config,
                 "The configuration file (default: $SITECACHE_CONFIG, else ./sitecache.toml)")
      ->type_name("FILE");
  app.footer(
      "Exit status: 0 done, 1 failure, 2 usage error, 3 not found.\n"
      "Run 'sitecache VERB --help' for the options of one verb.");
  verbs.add(&app, "sitecache [--cache NAME] [--config FILE] VERB ...");
  for (const VerbGroup& group : kVerbGroups) {
    if (std::find(group.names.begin(), group.names.end(), verb) != group.names.end()) {
      group.add(app, context, verbs);
      return;
    }
  }
  for (const VerbGroup& group : kVerbGroups) group.add(app, context, verbs);
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

// Runs the verb the command line selected; CliError becomes its message and exit code.
int run_verb(const CLI::App& app, const Verbs& verbs) {
  std::string path;
  const CLI::App* command = deepest_command(app, path);
  const Verbs::Verb* verb = verbs.find(command);
  if (verb == nullptr || !verb->run) {
    std::fputs(("sitecache: error: '" + path + "' needs a subcommand\n").c_str(), stderr);
    print_usage_hint(verbs, command, path);
    return kExitUsage;
  }
  try {
    return verb->run();
  } catch (const CliError& e) {
    print_lines(e.code() == kExitNotFound ? "sitecache: " : "sitecache: error: ", e.what());
    if (e.code() == kExitUsage) print_usage_hint(verbs, command, path);
    return e.code();
  }
}

int run(int argc, char** argv) {
  GlobalOptions globals;
  Context context(globals);
  CLI::App app("sitecache: the build cache of static-site generators", "sitecache");
  Verbs verbs;
  const int verb_at = verb_index(argc, argv);
  configure(app, globals, context, verbs, verb_at < argc ? std::string_view(argv[verb_at]) : "");
  std::vector<char*> words;
  try {
    words = split_exec_command(argc, argv, globals.exec_command);
  } catch (const CliError& e) {
    print_lines("sitecache: error: ", e.what());
    print_usage_hint(verbs, app.get_subcommand("exec"), "sitecache exec");
    return kExitUsage;
  }
  try {
    app.parse(static_cast<int>(words.size()), words.data());
  } catch (const CLI::ParseError& e) {
    return report_parse_error(app, e, verbs);
  }
  return run_verb(app, verbs);
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "sitecache: error: internal error: %s\n", e.what());
  } catch (...) {
    std::fputs("sitecache: error: internal error\n", stderr);
  }
  return kExitFailure;
}
