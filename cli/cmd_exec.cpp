// `sitecache exec [options] -- COMMAND [ARGS...]`: memoize any command, the way ccache
// memoizes compilers. On a miss the command runs (its streams pass through and are kept);
// on a hit its declared outputs are restored, its streams replayed and its exit status
// returned, without running it. The files are handled by the core (Cache::memoize_files);
// this verb builds the key and runs the process.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <memory>

#include "common.hpp"
#include "exec_inputs.hpp"
#include "exec_process.hpp"
#include "exec_result.hpp"
#include "output.hpp"

namespace sitecache::cli {
namespace {

namespace fs = std::filesystem;

struct ExecOptions {
  std::string step;
  std::vector<std::string> ins, outs, envs, tags;
  std::string slot, base_dir;
  bool stdin_read = false;
  bool cache_failures = false;
  bool require_inputs = false;
  bool verbose = false;
  std::vector<std::string> command;
};

// "--step NAME[@VERSION]"; by default the command's base name, version 1.
Step parse_step(const ExecOptions& o) {
  if (o.step.empty()) return Step{fs::path(o.command.front()).filename().string(), 1};
  const size_t at = o.step.rfind('@');
  if (at == std::string::npos) return Step{o.step, 1};
  const std::string version = o.step.substr(at + 1);
  char* end = nullptr;
  const unsigned long long number = std::strtoull(version.c_str(), &end, 10);
  if (at == 0 || version.empty() || *end != '\0' || version.front() == '-') {
    usage_error("--step '" + o.step + "': expected NAME or NAME@VERSION (a whole number)");
  }
  return Step{o.step.substr(0, at), number};
}

void check_options(const ExecOptions& o) {
  for (const std::string& name : o.envs) {
    if (!is_env_name(name)) {
      usage_error("--env '" + name +
                  "': name one environment variable (letters, digits, '_'); its value is read "
                  "from the environment");
    }
  }
  for (const std::string& out : o.outs) {
    std::error_code ec;
    if (out.empty()) usage_error("--out must not be empty");
    if (out.back() == '/' || fs::is_directory(out, ec)) {
      usage_error("--out " + out + " is a directory; --out names output files");
    }
  }
}

std::string read_stdin() {
  std::string data;
  char buffer[1 << 16];
  ssize_t n = 0;
  while ((n = ::read(0, buffer, sizeof buffer)) != 0) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail(std::string("cannot read standard input: ") + std::strerror(errno));
    data.append(buffer, static_cast<size_t>(n));
  }
  return data;
}

void write_fd(int fd, const std::string& bytes) {
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    done += static_cast<size_t>(n);
  }
}

// What an input looked like before the run: any difference afterwards means the command
// (or something else) changed it while it ran, and the run is not stored. Comparing with
// the file's own earlier state avoids comparing file timestamps (coarse, filesystem
// clock) with a process clock.
struct InputState {
  fs::path path;
  struct stat st {};
  bool present = false;
};

std::vector<InputState> snapshot(const std::vector<fs::path>& inputs) {
  std::vector<InputState> states;
  for (const fs::path& input : inputs) {
    InputState state{input};
    state.present = ::stat(input.c_str(), &state.st) == 0;
    states.push_back(state);
  }
  return states;
}

std::optional<std::string> modified_since(const std::vector<InputState>& before) {
  for (const InputState& was : before) {
    struct stat now {};
    const bool present = ::stat(was.path.c_str(), &now) == 0;
    const bool same = present == was.present &&
                      (!present || (now.st_size == was.st.st_size && now.st_ino == was.st.st_ino &&
                                    now.st_mtim.tv_sec == was.st.st_mtim.tv_sec &&
                                    now.st_mtim.tv_nsec == was.st.st_mtim.tv_nsec &&
                                    now.st_ctim.tv_sec == was.st.st_ctim.tv_sec &&
                                    now.st_ctim.tv_nsec == was.st.st_ctim.tv_nsec));
    if (!same) return was.path.string() + " was modified while the command ran";
  }
  return std::nullopt;
}

// What a miss ran, for the exit status and --verbose.
struct Ran {
  bool ran = false;
  CommandResult result;
  std::string not_stored;
};

int run_exec(Context& context, const ExecOptions& o) {
  check_options(o);
  const Step step = parse_step(o);
  const std::optional<fs::path> executable = find_executable(o.command.front());
  if (!executable) {
    print_lines("sitecache: error: ", o.command.front() + ": command not found");
    return 127;
  }
  ExpandedInputs inputs = expand_inputs(o.ins);
  for (const std::string& pattern : inputs.empty_patterns) {
    if (o.require_inputs) usage_error("--in '" + pattern + "' matches nothing");
    print_lines("sitecache: warning: ", "--in '" + pattern + "' matches nothing");
  }
  ExecKey key{o.command, *executable, inputs.files, o.envs, std::nullopt};
  if (o.stdin_read) key.stdin_bytes = read_stdin();

  Cache& cache = context.build_cache();
  const Config& config = context.config();
  const BaseDir base(o.base_dir.empty()
                         ? (config.exec_base_dir.empty() ? config.base_dir : config.exec_base_dir)
                         : fs::absolute(o.base_dir).lexically_normal());
  Inputs keyed = exec_inputs(key, base, FileHasher::shared());
  check(keyed.status());
  std::vector<fs::path> outputs(o.outs.begin(), o.outs.end());
  MemoOptions options;
  options.slot = o.slot;
  options.tags = o.tags;

  // The build named by $SITECACHE_BUILD, else a build of its own.
  std::optional<BuildSession> session = join_named_build(cache);
  if (!session && !named_build()) session = cache.begin_build();
  Ran ran;
  auto run = [&] {
    const std::vector<InputState> before = snapshot(key.inputs);
    ran.ran = true;
    ran.result =
        run_command(*executable, o.command, o.stdin_read ? StdinSource::bytes : StdinSource::none,
                    key.stdin_bytes.value_or(""));
    const CommandResult& r = ran.result;
    if (r.signal != 0) {
      ran.not_stored = "killed by signal " + std::to_string(r.signal);
    } else if (r.exit_status != 0 && !o.cache_failures) {
      ran.not_stored = "exit status " + std::to_string(r.exit_status);
    } else if (std::optional<std::string> changed = modified_since(before)) {
      ran.not_stored = *changed;
    }
    StepRun step_run;
    step_run.value = ExecResult{r.exit_status, r.out, r.err}.encode();
    if (!ran.not_stored.empty()) {
      step_run.store = StepRun::Store::no;
      step_run.why_not = ran.not_stored;
    }
    return step_run;
  };
  Result<FileOutcome> outcome = cache.memoize_files(step, keyed, outputs, run, options);
  if (session) (void)session->finish();
  (void)FileHasher::shared().save();

  check(outcome.status());  // e.g. a declared output missing after the run
  if (ran.ran) {
    if (o.verbose) {
      print_lines("sitecache: exec ",
                  step.name + ": miss, ran the command" +
                      (ran.not_stored.empty() ? "" : "; not cached: " + ran.not_stored));
    }
    return ran.result.signal != 0 ? 128 + ran.result.signal : ran.result.exit_status;
  }
  std::optional<ExecResult> stored = ExecResult::decode(outcome->value);
  if (!stored) fail("the stored result of " + step.name + " is not a command's result");
  write_fd(1, stored->out);
  write_fd(2, stored->err);
  if (o.verbose) {
    print_lines("sitecache: exec ", step.name + ": hit, " + std::to_string(outcome->written) +
                                        " of " + std::to_string(outputs.size()) +
                                        " outputs written");
  }
  return stored->exit_status;
}

}  // namespace

int verb_index(int argc, char** argv) {
  int at = 1;
  while (at < argc) {
    const std::string_view arg = argv[at];
    if (arg == "--cache" || arg == "--config") {
      at += 2;
    } else if (arg.starts_with("-")) {
      ++at;
    } else {
      break;
    }
  }
  return std::min(at, argc);
}

std::vector<char*> split_exec_command(int argc, char** argv, std::vector<std::string>& command) {
  std::vector<char*> words(argv, argv + argc);
  const int at = verb_index(argc, argv);
  if (at >= argc || std::string_view(argv[at]) != "exec") return words;
  for (int i = at + 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") return words;
    if (arg == "--") {
      command.assign(argv + i + 1, argv + argc);
      words.resize(static_cast<size_t>(i));
      return words;
    }
  }
  usage_error("exec needs '--' before the command: sitecache exec [options] -- COMMAND [ARGS...]");
}

void add_exec_command(CLI::App& app, Context& context, Verbs& verbs) {
  auto o = std::make_shared<ExecOptions>();
  CLI::App* cmd = app.add_subcommand(
      "exec", "Run COMMAND, or replay its stored outputs, streams and exit status");
  cmd->add_option("--step", o->step, "The step's name and version (default: the command's name)")
      ->type_name("NAME[@VERSION]");
  cmd->add_option("--in", o->ins, "An input: a file, a directory, or a quoted glob (repeatable)")
      ->type_name("PATH")
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  cmd->add_option("--out", o->outs, "An output file the command writes (repeatable)")
      ->type_name("PATH")
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  cmd->add_option("--env", o->envs, "An environment variable the command reads (repeatable)")
      ->type_name("NAME")
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  cmd->add_flag("--stdin", o->stdin_read, "The command reads stdin: it becomes part of the key");
  cmd->add_option("--base-dir", o->base_dir,
                  "Paths under DIR count relative to it (default: [exec] base_dir, else the "
                  "config file's directory)")
      ->type_name("DIR");
  cmd->add_option("--slot", o->slot, "The slot for explain and clear (default: the first --out)")
      ->type_name("SLOT");
  cmd->add_option("--tag", o->tags, "A tag for clear --tag (repeatable)")
      ->type_name("TAG")
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  cmd->add_flag("--cache-failures", o->cache_failures, "Store runs that exit non-zero too");
  cmd->add_flag("--require-inputs", o->require_inputs,
                "An --in glob that matches nothing is an error");
  cmd->add_flag("-v,--verbose", o->verbose,
                "Say on stderr whether it hit and why a run is not stored");
  cmd->footer(
      "The command and its arguments follow '--'.\n"
      "Exit status: the command's (stored or fresh); 127 when it is not found; 2 for a usage "
      "error;\n1 when sitecache itself fails. Runs that exit non-zero, die by a signal, or "
      "see an input\nchange while they run are not stored. $SITECACHE_BUILD joins a build "
      "started by\n'sitecache build start'.");
  verbs.add(cmd,
            "sitecache exec [--step NAME[@V]] [--in PATH]... [--out PATH]... [--env NAME]... "
            "[--stdin] -- COMMAND [ARGS...]",
            [&context, o] {
              o->command = context.options().exec_command;
              if (o->command.empty()) usage_error("exec needs a command after '--'");
              return run_exec(context, *o);
            });
}

}  // namespace sitecache::cli
