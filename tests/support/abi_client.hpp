// Test support: drives a plugin .so through its raw C ABI (dlopen + the entry symbol),
// without the core's loader, so plugin tests exercise the real shared library exactly as
// the host sees it. The one ABI caller of the test suites:
//
//   AbiClient  loads a plugin and owns one handle made from options; get/set/remove/keys/
//              stats for single-threaded tests, remembering the last status and error.
//   Calls      every function of the ABI, one call each, on a handle it does not own. Each
//              call keeps its own error text, so threads may share one Calls on a plugin
//              that declares SC_CAP_THREAD_SAFE.
#ifndef SITECACHE_TESTS_ABI_CLIENT_HPP
#define SITECACHE_TESTS_ABI_CLIENT_HPP

#include <dlfcn.h>
#include <gtest/gtest.h>

#include <chrono>
#include <concepts>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "sitecache/plugin_abi.h"

namespace sitecache::testing {

class AbiClient;

// The outcome of one call: its status and the error text the plugin wrote. Compares with
// a status, so EXPECT_EQ(calls.set(k, v), SC_OK) prints the error text when it fails.
struct Call {
  sc_status status = SC_OK;
  std::string error;
  friend bool operator==(const Call& call, sc_status status) { return call.status == status; }
};
inline void PrintTo(const Call& call, std::ostream* out) {
  *out << "status " << call.status;
  if (!call.error.empty()) *out << " (" << call.error << ")";
}

struct GetResult : Call {
  std::optional<std::string> value;
};

// One item as scan reports it (value only with SC_SCAN_VALUES).
struct ScanEntry {
  std::string key;
  std::optional<std::string> value;
  int64_t value_size = -1;
  int64_t expires_ms = 0;
  int64_t last_access_ms = 0;
};

// One item of set_many.
struct Item {
  std::string key;
  std::string value;
  int64_t ttl_ms = 0;
};

class Calls {
 public:
  Calls(const sc_plugin& plugin, sc_handle* handle) : plugin_(&plugin), handle_(handle) {}
  explicit Calls(const AbiClient& client);

  GetResult get(std::string_view key) const {
    GetResult r;
    Error e;
    r.status = plugin_->get(
        handle_, key.data(), key.size(),
        [](void* c, const uint8_t* d, size_t n) {
          static_cast<std::optional<std::string>*>(c)->emplace(reinterpret_cast<const char*>(d), n);
        },
        &r.value, &e.error);
    r.error = e.finish(r.status).error;
    return r;
  }
  Call set(std::string_view key, std::string_view value, int64_t ttl_ms = 0) const {
    Error e;
    return e.finish(plugin_->set(handle_, key.data(), key.size(), bytes(value), value.size(),
                                 ttl_ms, &e.error));
  }
  Call add(std::string_view key, std::string_view value, int64_t ttl_ms, bool& stored) const {
    Error e;
    int flag = -1;
    Call c = e.finish(plugin_->add(handle_, key.data(), key.size(), bytes(value), value.size(),
                                   ttl_ms, &flag, &e.error));
    if (c.status == SC_OK && flag != 0 && flag != 1)
      ADD_FAILURE() << "add reported stored=" << flag;
    stored = flag == 1;
    return c;
  }
  Call remove(std::string_view key) const {
    Error e;
    return e.finish(plugin_->remove(handle_, key.data(), key.size(), &e.error));
  }
  Call touch(std::string_view key, int64_t ttl_ms) const {
    Error e;
    return e.finish(plugin_->touch(handle_, key.data(), key.size(), ttl_ms, &e.error));
  }
  Call clear(std::string_view prefix) const {
    Error e;
    return e.finish(plugin_->clear(handle_, prefix.data(), prefix.size(), &e.error));
  }

  // found[i] for every found keys[i]. A key delivered twice fails the test (plugin_abi.h:
  // "called once per found key").
  Call get_many(const std::vector<std::string>& keys, std::map<size_t, std::string>& found) const {
    found.clear();
    return get_many(keys, [&](size_t index, std::string_view value) {
      EXPECT_EQ(found.count(index), 0u) << "index " << index << " delivered twice";
      found[index] = std::string(value);
    });
  }
  // values[i] is set for every found keys[i]; a key delivered twice fails the test, also
  // when the request names it twice.
  Call get_many(const std::vector<std::string>& keys,
                std::vector<std::optional<std::string>>& values) const {
    values.assign(keys.size(), std::nullopt);
    return get_many(keys, [&](size_t index, std::string_view value) {
      EXPECT_FALSE(index < values.size() && values[index].has_value())
          << "index " << index << " delivered twice";
      if (index < values.size()) values[index] = value;
    });
  }
  Call get_many(const std::vector<std::string>& keys,
                const std::function<void(size_t, std::string_view)>& deliver) const {
    std::vector<sc_key> raw;
    for (const auto& k : keys) raw.push_back({k.data(), k.size()});
    Error e;
    return e.finish(plugin_->get_many(
        handle_, raw.data(), raw.size(),
        [](void* c, size_t index, const uint8_t* d, size_t n) {
          (*static_cast<const std::function<void(size_t, std::string_view)>*>(c))(
              index, std::string_view(reinterpret_cast<const char*>(d), n));
        },
        const_cast<std::function<void(size_t, std::string_view)>*>(&deliver), &e.error));
  }

  Call set_many(const std::vector<Item>& items) const { return set_many<std::vector<Item>>(items); }
  // Any range of (key, value, ttl_ms) triples: Items, tuples.
  template <class Items>
  requires(!std::same_as<typename Items::value_type, std::pair<const std::string, std::string>>)
      Call set_many(const Items& items)
  const {
    std::vector<sc_item> raw;
    for (const auto& [key, value, ttl_ms] : items) {
      raw.push_back({key.data(), key.size(), bytes(value), value.size(), ttl_ms});
    }
    Error e;
    return e.finish(plugin_->set_many(handle_, raw.data(), raw.size(), &e.error));
  }
  // Keys and values, all with one TTL. (A template only so that a braced list picks the
  // Item overload above.)
  template <class Map>
  requires std::same_as<Map, std::map<std::string, std::string>> Call set_many(const Map& items,
                                                                               int64_t ttl_ms = 0)
  const {
    std::vector<Item> list;
    for (const auto& [key, value] : items) list.push_back({key, value, ttl_ms});
    return set_many(list);
  }

  // One scan call from `cursor` (updated). `visit` returns non-zero to stop the call.
  Call scan_visit(std::string_view prefix, uint64_t& cursor, size_t batch, uint32_t flags,
                  const std::function<int(const sc_scan_item&)>& visit) const {
    Error e;
    return e.finish(plugin_->scan(
        handle_, prefix.data(), prefix.size(), &cursor, batch, flags,
        [](void* c, const sc_scan_item* item) {
          return (*static_cast<const std::function<int(const sc_scan_item&)>*>(c))(*item);
        },
        const_cast<std::function<int(const sc_scan_item&)>*>(&visit), &e.error));
  }
  // One scan call from `cursor`, appending to `out`; `stop_after` > 0 makes the visitor
  // stop the call after that many items.
  Call scan_once(std::string_view prefix, uint64_t& cursor, size_t batch, uint32_t flags,
                 std::vector<ScanEntry>& out, size_t stop_after = 0) const {
    size_t seen = 0;
    return scan_visit(prefix, cursor, batch, flags, [&](const sc_scan_item& item) {
      ScanEntry entry;
      entry.key.assign(item.key, item.key_size);
      if (item.value) {
        entry.value.emplace(reinterpret_cast<const char*>(item.value),
                            static_cast<size_t>(item.value_size));
      }
      entry.value_size = item.value_size;
      entry.expires_ms = item.expires_ms;
      entry.last_access_ms = item.last_access_ms;
      out.push_back(std::move(entry));
      return stop_after != 0 && ++seen >= stop_after ? 1 : 0;
    });
  }
  // A whole scan into `out` (cleared first), resuming until the cursor is 0; `calls`
  // receives how many calls it took.
  Call scan_all(std::string_view prefix, size_t batch, uint32_t flags, std::vector<ScanEntry>& out,
                int* calls = nullptr) const {
    out.clear();
    uint64_t cursor = 0;
    int made = 0;
    Call c;
    do {
      c = scan_once(prefix, cursor, batch, flags, out);
      ++made;
    } while (c.status == SC_OK && cursor != 0 && made < 1000000);
    if (made >= 1000000) ADD_FAILURE() << "scan does not terminate";
    if (calls) *calls = made;
    return c;
  }
  Call scan(std::string_view prefix, bool values, std::vector<ScanEntry>& out,
            size_t batch = 100) const {
    return scan_all(prefix, batch, values ? SC_SCAN_VALUES : SC_SCAN_KEYS, out);
  }
  // How often a whole scan visits each key. Every call must succeed and stay within
  // `batch`; otherwise the test fails.
  std::map<std::string, int> scan_counts(std::string_view prefix, size_t batch) const {
    std::map<std::string, int> counts;
    uint64_t cursor = 0;
    int calls = 0;
    do {
      std::vector<ScanEntry> page;
      EXPECT_EQ(scan_once(prefix, cursor, batch, SC_SCAN_KEYS, page), SC_OK);
      EXPECT_LE(page.size(), batch);
      for (const auto& entry : page) ++counts[entry.key];
      if (++calls > 1000000) {
        ADD_FAILURE() << "scan does not terminate";
        break;
      }
    } while (cursor != 0);
    return counts;
  }

  Call stats(sc_stats& out) const {
    out = sc_stats{};
    out.struct_size = sizeof(sc_stats);
    Error e;
    return e.finish(plugin_->stats(handle_, &out, &e.error));
  }

  // The error text of the last call this thread made through any Calls.
  static std::string error() { return last_error(); }

 private:
  struct Error {
    char text[512] = {0};
    sc_error error{text, sizeof(text)};
    Call finish(sc_status status) const {
      last_error() = text;
      return Call{status, text};
    }
  };
  static std::string& last_error() {
    thread_local std::string text;
    return text;
  }
  static const uint8_t* bytes(std::string_view s) {
    return reinterpret_cast<const uint8_t*>(s.data());
  }
  const sc_plugin* plugin_;
  sc_handle* handle_;
};

// One loaded plugin library plus one handle created from `options`.
class AbiClient {
 public:
  AbiClient(const std::string& so_path, const std::map<std::string, std::string>& options) {
    lib_ = dlopen(so_path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!lib_) throw std::runtime_error(std::string("dlopen: ") + dlerror());
    auto entry = reinterpret_cast<sc_plugin_entry_fn>(dlsym(lib_, SC_PLUGIN_ENTRY_SYMBOL));
    if (!entry) throw std::runtime_error("no entry symbol in " + so_path);
    plugin_ = entry();
    std::vector<sc_option> opts;
    for (const auto& [k, v] : options) opts.push_back({k.c_str(), v.c_str()});
    char text[512] = {0};
    sc_error error{text, sizeof(text)};
    last_.status = plugin_->create(opts.data(), opts.size(), &handle_, &error);
    last_.error = text;
    if (last_.status != SC_OK) handle_ = nullptr;
  }
  ~AbiClient() {
    if (handle_) plugin_->destroy(handle_);
    // The library stays mapped: the plugin's static descriptor may still be referenced
    // by other clients in the same test process.
  }
  AbiClient(const AbiClient&) = delete;
  AbiClient& operator=(const AbiClient&) = delete;

  bool ok() const { return handle_ != nullptr; }
  const sc_plugin& plugin() const { return *plugin_; }
  sc_handle* handle() const { return handle_; }
  sc_status last_status() const { return last_.status; }
  std::string last_error() const { return last_.error; }

  // The value, or nullopt on a miss or a failure (last_status() tells which).
  std::optional<std::string> get(std::string_view key) {
    GetResult r = Calls(*this).get(key);
    last_ = r;
    return r.status == SC_OK ? std::move(r.value) : std::nullopt;
  }
  sc_status set(std::string_view key, std::string_view value, int64_t ttl_ms = 0) {
    return remember(Calls(*this).set(key, value, ttl_ms));
  }
  sc_status remove(std::string_view key) { return remember(Calls(*this).remove(key)); }
  // Every key under prefix (requires SC_CAP_SCAN).
  std::vector<std::string> keys(std::string_view prefix = "") {
    std::vector<ScanEntry> entries;
    remember(Calls(*this).scan_all(prefix, 256, SC_SCAN_KEYS, entries));
    std::vector<std::string> found;
    for (auto& entry : entries) found.push_back(std::move(entry.key));
    return found;
  }
  sc_stats stats() {
    sc_stats s{};
    remember(Calls(*this).stats(s));
    return s;
  }

 private:
  sc_status remember(Call call) {
    last_ = std::move(call);
    return last_.status;
  }
  void* lib_ = nullptr;
  const sc_plugin* plugin_ = nullptr;
  sc_handle* handle_ = nullptr;
  Call last_;
};

inline Calls::Calls(const AbiClient& client) : Calls(client.plugin(), client.handle()) {}

// Milliseconds since the Unix epoch on the system clock, which plugins stamp expiry and
// access times with (a plugin's clock has no seam).
inline int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Checks the descriptor header and that each optional function is present exactly when
// its capability bit is declared (the host refuses a plugin where they disagree).
inline void expect_consistent_descriptor(const sc_plugin& p) {
  EXPECT_GE(p.struct_size, sizeof(sc_plugin));
  EXPECT_EQ(p.abi_major, SC_ABI_MAJOR);
  EXPECT_NE(p.name, nullptr);
  EXPECT_NE(p.version, nullptr);
  EXPECT_NE(p.description, nullptr);
  EXPECT_NE(p.create, nullptr);
  EXPECT_NE(p.destroy, nullptr);
  EXPECT_NE(p.get, nullptr);
  EXPECT_NE(p.set, nullptr);
  EXPECT_NE(p.remove, nullptr);
  const struct {
    uint64_t bit;
    bool present;
    const char* name;
  } optional[] = {
      {SC_CAP_GET_MANY, p.get_many != nullptr, "get_many"},
      {SC_CAP_SET_MANY, p.set_many != nullptr, "set_many"},
      {SC_CAP_TOUCH, p.touch != nullptr, "touch"},
      {SC_CAP_CLEAR, p.clear != nullptr, "clear"},
      {SC_CAP_SCAN, p.scan != nullptr, "scan"},
      {SC_CAP_STATS, p.stats != nullptr, "stats"},
      {SC_CAP_ADD, p.add != nullptr, "add"},
  };
  for (const auto& o : optional) {
    EXPECT_EQ((p.capabilities & o.bit) != 0, o.present) << p.name << ": " << o.name;
  }
}

}  // namespace sitecache::testing

#endif  // SITECACHE_TESTS_ABI_CLIENT_HPP
