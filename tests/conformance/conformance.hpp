// The backend conformance suite: what every plugin must do, checked through the real
// loader (Boost.DLL) and the host side of the ABI.
#ifndef SITECACHE_TESTS_CONFORMANCE_HPP
#define SITECACHE_TESTS_CONFORMANCE_HPP

#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <string>

namespace sitecache::testing {

enum class Stores { everything, nothing };
// Whether the backend enforces max_entries / max_size / cull_frequency (plugin_abi.h).
enum class Limits { enforced, ignored };

struct PluginCase {
  PluginCase(std::string name_in, std::string so_path_in,
             std::map<std::string, std::string> options_in, Stores stores_in = Stores::everything,
             int expiry_wait_ms_in = 1300, std::function<std::string()> skip_reason_in = {},
             Limits limits_in = Limits::ignored)
      : name(std::move(name_in)),
        so_path(std::move(so_path_in)),
        options(std::move(options_in)),
        stores(stores_in),
        expiry_wait_ms(expiry_wait_ms_in),
        skip_reason(std::move(skip_reason_in)),
        limits(limits_in) {}

  std::string name;     // test name suffix
  std::string so_path;  // absolute path of the plugin .so
  // Options for create; "{tmp}" is replaced by a fresh directory per test and
  // "{env:NAME}" by the environment variable NAME.
  std::map<std::string, std::string> options;
  Stores stores;
  // How long to wait after a 1 s TTL before the entry must be gone.
  int expiry_wait_ms;
  // When set and it returns a non-empty string, the case is skipped with that reason
  // (for example: no server address given for a network backend).
  std::function<std::string()> skip_reason;
  Limits limits;
};

// Lets a test output name "memory" instead of "0".
inline std::string case_name(const ::testing::TestParamInfo<PluginCase>& info) {
  return info.param.name;
}

}  // namespace sitecache::testing

#endif  // SITECACHE_TESTS_CONFORMANCE_HPP
