// `sitecache get | put | delete | touch`: the low-level API for shell scripts. Values are
// bytes: nothing is added, removed or translated on the way in or out.
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include "common.hpp"
#include "output.hpp"

namespace sitecache::cli {
namespace {

struct KvOptions {
  std::string key;
  std::string file;  // put: input ("-" or empty = stdin); get: output (empty = stdout)
  std::string ttl;
  CLI::Option* ttl_option = nullptr;
  std::string slot;               // put
  std::vector<std::string> tags;  // put
};

std::string read_stream(std::FILE* in, const std::string& name) {
  std::string data;
  char buffer[1 << 16];
  size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof buffer, in)) > 0) data.append(buffer, n);
  if (std::ferror(in)) fail("cannot read " + name + ": " + std::strerror(errno));
  return data;
}

std::string read_input(const std::string& file) {
  if (file.empty() || file == "-") return read_stream(stdin, "standard input");
  std::FILE* in = std::fopen(file.c_str(), "rb");
  if (in == nullptr) fail("cannot open " + file + ": " + std::strerror(errno));
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> closer(in, &std::fclose);
  return read_stream(in, file);
}

void write_file(const std::string& file, const std::string& data) {
  std::FILE* out = std::fopen(file.c_str(), "wb");
  if (out == nullptr) fail("cannot open " + file + " for writing: " + std::strerror(errno));
  bool ok = std::fwrite(data.data(), 1, data.size(), out) == data.size();
  ok = std::fclose(out) == 0 && ok;
  if (!ok) fail("cannot write " + file + ": " + std::strerror(errno));
}

const std::string& checked_key(const KvOptions& o) {
  if (o.key.empty()) usage_error("KEY must not be empty");
  return o.key;
}

std::string absent(const std::string& key, const Cache& cache) {
  return "key '" + key + "' not found in cache '" + cache.name() + "'";
}

int run_get(Context& context, const KvOptions& o) {
  const std::string& key = checked_key(o);
  Cache& cache = context.cache();
  std::optional<BuildSession> build = join_named_build(cache);
  std::optional<std::string> value = take(cache.get(key));
  if (build) (void)build->finish();
  if (!value) not_found(absent(key, cache));
  if (o.file.empty() || o.file == "-") {
    write_stdout(*value);
  } else {
    write_file(o.file, *value);
  }
  return kExitOk;
}

int run_put(Context& context, const KvOptions& o) {
  const std::string& key = checked_key(o);
  Timeout timeout = o.ttl_option->count() > 0 ? parse_timeout_arg("--ttl", o.ttl) : Timeout();
  Cache& cache = context.cache();
  // Cache::set skips writes to a read-only cache silently (a build must not fail); a
  // script asking explicitly must hear about it.
  if (cache.settings().read_only) fail("cache '" + cache.name() + "' is read_only; put refused");
  std::string value = read_input(o.file);
  SetOptions options;
  options.timeout = timeout;
  options.slot = o.slot;
  options.tags = o.tags;
  std::optional<BuildSession> build = join_named_build(cache);
  check(cache.set(key, value, options));
  if (build) check(build->finish().status());
  return kExitOk;
}

int run_delete(Context& context, const KvOptions& o) {
  const std::string& key = checked_key(o);
  Cache& cache = context.cache();
  if (!take(cache.remove(key))) not_found(absent(key, cache));
  return kExitOk;
}

int run_touch(Context& context, const KvOptions& o) {
  const std::string& key = checked_key(o);
  Timeout timeout = parse_timeout_arg("--ttl", o.ttl);
  Cache& cache = context.cache();
  if (!take(cache.touch(key, timeout))) not_found(absent(key, cache));
  return kExitOk;
}

}  // namespace

void add_kv_commands(CLI::App& app, Context& context, Verbs& verbs) {
  auto get = std::make_shared<KvOptions>();
  CLI::App* cmd = app.add_subcommand("get", "Write a stored value to stdout (exit 3 if absent)");
  cmd->add_option("KEY", get->key, "The plain key")->required();
  cmd->add_option("-o,--output", get->file, "Write the value to FILE instead")->type_name("FILE");
  verbs.add(cmd, "sitecache get [--cache NAME] KEY [-o FILE]",
            [&context, get] { return run_get(context, *get); });

  auto put = std::make_shared<KvOptions>();
  cmd = app.add_subcommand("put", "Store the bytes of FILE (or stdin) under KEY");
  cmd->add_option("KEY", put->key, "The plain key")->required();
  cmd->add_option("FILE", put->file, "Read the value from FILE; '-' or none: stdin");
  put->ttl_option =
      cmd->add_option("--ttl", put->ttl, "Expire after DUR (e.g. 90s, 7d); 'none': never")
          ->type_name("DUR");
  cmd->add_option("--slot", put->slot, "The slot, for explain and clear --slot")->type_name("SLOT");
  cmd->add_option("--tag", put->tags, "A tag, for clear --tag (repeatable)")
      ->type_name("TAG")
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  cmd->footer("With $SITECACHE_BUILD set, the put is recorded in that build.");
  verbs.add(cmd, "sitecache put [--cache NAME] KEY [FILE|-] [--ttl DUR] [--slot S] [--tag T]...",
            [&context, put] { return run_put(context, *put); });

  auto del = std::make_shared<KvOptions>();
  cmd = app.add_subcommand("delete", "Remove KEY (exit 3 if absent)");
  cmd->add_option("KEY", del->key, "The plain key")->required();
  verbs.add(cmd, "sitecache delete [--cache NAME] KEY",
            [&context, del] { return run_delete(context, *del); });

  auto touch = std::make_shared<KvOptions>();
  cmd = app.add_subcommand("touch", "Give KEY a new expiry (exit 3 if absent)");
  cmd->add_option("KEY", touch->key, "The plain key")->required();
  touch->ttl_option = cmd->add_option("--ttl", touch->ttl,
                                      "Expire after DUR from now; 'none': never; 0: expire now")
                          ->type_name("DUR")
                          ->required();
  verbs.add(cmd, "sitecache touch [--cache NAME] KEY --ttl DUR",
            [&context, touch] { return run_touch(context, *touch); });
}

}  // namespace sitecache::cli
