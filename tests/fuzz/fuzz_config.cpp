// libFuzzer harness: the config loader (core/src/config) and each backend's option
// validation (plugin_abi.h, validate), as `sitecache config check` runs them.
//
// The input is TOML text. A config that parses is validated cache by cache against the
// real plugins of the build (the library's build-tree plugin directory): memory, sqlite, file,
// redis, memcached and http validate without creating files or contacting servers, so any location
// or server list the fuzzer writes is safe to hand them. Properties:
//   - a parse error is StatusCode::config and names the place: "fuzz.toml:LINE:COLUMN: ";
//   - validation returns a Status (ok, unsupported, or an error): nothing crashes, hangs
//     or throws across the plugin ABI;
//   - parsing is deterministic: the same text gives the same caches.
#include <dlfcn.h>

#include <cstdlib>
#include <filesystem>

#include "fuzz_support.hpp"
#include "sitecache/config.hpp"
#include "sitecache/plugin_registry.hpp"

namespace sitecache::fuzz {
namespace {

bool names_a_place(const std::string& message) {
  static const std::string prefix = "fuzz.toml:";
  if (!message.starts_with(prefix)) return false;
  size_t at = prefix.size();
  for (int field = 0; field < 2; ++field) {  // LINE: then COLUMN:
    const size_t digits = at;
    while (at < message.size() && message[at] >= '0' && message[at] <= '9') ++at;
    if (at == digits || at >= message.size() || message[at] != ':') return false;
    ++at;
  }
  return true;
}

}  // namespace
}  // namespace sitecache::fuzz

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  unsetenv("SITECACHE_PLUGIN_PATH");  // plugins come from the build tree only
  // The plugins stay mapped for the whole run (RTLD_NODELETE makes the loader's dlclose
  // a no-op): libFuzzer clears the coverage counters of every instrumented module before
  // each input, and an unloaded plugin's counters were a SEGV inside libFuzzer.
  std::error_code ec;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(FUZZ_PLUGIN_DIR, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.starts_with("sitecache-") && name.ends_with(".so")) {
      dlopen(entry.path().c_str(), RTLD_NOW | RTLD_NODELETE);
    }
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace sitecache;
  using namespace sitecache::fuzz;
  const std::string_view text = as_text({data, size});
  const std::filesystem::path base = "/nonexistent/fuzz-base";
  Result<Config> config = parse_config(text, "fuzz.toml", base);
  if (!config.is_ok()) {
    FUZZ_CHECK(config.status().code() == StatusCode::config,
               "a parse error of another kind: " + config.status().message());
    // "fuzz.toml: " without a position is allowed only for whole-file problems.
    FUZZ_CHECK(names_a_place(config.status().message()) ||
                   config.status().message().starts_with("fuzz.toml: "),
               "a parse error that names no place: " + config.status().message());
    return 0;
  }
  Result<Config> again = parse_config(text, "fuzz.toml", base);
  FUZZ_CHECK(again.is_ok() && again->caches.size() == config->caches.size(),
             "parsing the same text twice differs");
  // Backends resolve by name from the build's plugins only: a [plugins] path or a
  // backend given as a file path could make the harness load any library on the system.
  config->plugin_path.clear();
  for (const auto& [name, settings] : config->caches) {
    if (settings.backend.find('/') != std::string::npos) continue;
    (void)validate_backend(settings, *config);
  }
  return 0;
}
