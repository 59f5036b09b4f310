// `sitecache key [--step NAME[@V]] [--in PATH]... [--text S]...`: the key memoize derives
// for a step over these inputs, for scripts that need only that. The inputs are named by
// kind and position ("in[0]", "text[0]"), files count by content (through the stat cache).
#include <memory>

#include "common.hpp"
#include "output.hpp"

namespace sitecache::cli {
namespace {

struct KeyOptions {
  std::string step = "key";
  std::vector<std::string> ins, texts;
  bool json = false;
};

int run_key(const KeyOptions& o) {
  Step step{o.step, 1};
  if (const size_t at = o.step.rfind('@'); at != std::string::npos) {
    char* end = nullptr;
    const std::string version = o.step.substr(at + 1);
    step = Step{o.step.substr(0, at), std::strtoull(version.c_str(), &end, 10)};
    if (at == 0 || version.empty() || *end != '\0' || version.front() == '-') {
      usage_error("--step '" + o.step + "': expected NAME or NAME@VERSION (a whole number)");
    }
  }
  Inputs inputs;
  for (size_t i = 0; i < o.ins.size(); ++i) {
    inputs.file("in[" + std::to_string(i) + "]", o.ins[i]);
  }
  for (size_t i = 0; i < o.texts.size(); ++i) {
    inputs.text("text[" + std::to_string(i) + "]", o.texts[i]);
  }
  if (!inputs.status()) {
    if (inputs.status().code() == StatusCode::not_found) usage_error(inputs.status().message());
    check(inputs.status());
  }
  const std::string key = step_key(step, inputs).hex();
  (void)FileHasher::shared().save();
  if (o.json) {
    Json document = json_document("key");
    document["step"] = step.name;
    document["version"] = step.version;
    document["key"] = key;
    print_json(document);
  } else {
    write_stdout(key + "\n");
  }
  return kExitOk;
}

}  // namespace

void add_key_command(CLI::App& app, Context&, Verbs& verbs) {
  auto o = std::make_shared<KeyOptions>();
  CLI::App* cmd = app.add_subcommand("key", "Print the key memoize derives for a step's inputs");
  cmd->add_option("--step", o->step, "The step's name and version (default: key@1)")
      ->type_name("NAME[@VERSION]");
  cmd->add_option("--in", o->ins, "A file, by content (repeatable)")
      ->type_name("PATH")
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  cmd->add_option("--text", o->texts, "A text value (repeatable)")
      ->type_name("S")
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  cmd->add_flag("--json", o->json, "Print JSON (see docs/json.md)");
  verbs.add(cmd, "sitecache key [--step NAME[@V]] [--in PATH]... [--text S]...",
            [o] { return run_key(*o); });
}

}  // namespace sitecache::cli
