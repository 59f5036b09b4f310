// Header-only adapter: write a sitecache backend plugin as a plain C++ class.
//
//   class MyBackend {
//    public:
//     static constexpr std::string_view plugin_name = "mine";
//     static constexpr std::string_view plugin_version = "1.0.0";
//     static constexpr std::string_view plugin_description = "what it stores, where";
//     static constexpr uint64_t plugin_flags = SC_CAP_THREAD_SAFE;  // optional
//
//     static sitecache::plugin::Status create(const sitecache::plugin::Options& options,
//                                             std::unique_ptr<MyBackend>& out);
//     Status get(std::string_view key, sitecache::plugin::ValueSink& sink);
//     Status set(std::string_view key, sitecache::plugin::Bytes value, int64_t ttl_ms);
//     Status remove(std::string_view key);
//     // Optional; each one present turns on its capability bit:
//     Status get_many(std::span<const std::string_view> keys, IndexedSink& sink);
//     Status set_many(std::span<const Item> items);
//     Status touch(std::string_view key, int64_t ttl_ms);
//     Status clear(std::string_view prefix);
//     Status scan(std::string_view prefix, uint64_t& cursor, size_t batch_hint,
//                 ScanMode mode, ScanVisitor& visitor);
//     Status stats(Stats& out);
//     Status add(std::string_view key, Bytes value, int64_t ttl_ms, bool& stored);
//     // Checks options as create would, touching no store (plugin_abi.h, validate):
//     static Status validate(const sitecache::plugin::Options& options);
//   };
//   SITECACHE_PLUGIN(MyBackend)
//
// The adapter fills the sc_plugin descriptor from the class: C++20 concepts decide which
// optional function pointers are set and which capability bits are declared, so the two
// always agree. Every call is wrapped so that no exception crosses the C ABI: an escaping
// exception becomes SC_INTERNAL with its what() as the error text.
//
// This header depends only on plugin.h and the standard library; a plugin needs nothing
// else from sitecache.
#ifndef SITECACHE_PLUGIN_ADAPTER_HPP
#define SITECACHE_PLUGIN_ADAPTER_HPP

#include <charconv>
#include <concepts>
#include <cstdint>
#include <cstring>
#include <exception>
#include <memory>
#include <new>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sitecache/plugin_abi.h"

namespace sitecache::plugin {

using Bytes = std::span<const uint8_t>;

inline Bytes as_bytes(std::string_view text) {
  return {reinterpret_cast<const uint8_t*>(text.data()), text.size()};
}
inline std::string_view as_text(Bytes bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

enum class Code : sc_status {
  ok = SC_OK,
  not_found = SC_NOT_FOUND,
  invalid_argument = SC_INVALID_ARGUMENT,
  io = SC_IO,
  corruption = SC_CORRUPTION,
  unsupported = SC_UNSUPPORTED,
  busy = SC_BUSY,
  unavailable = SC_UNAVAILABLE,
  internal = SC_INTERNAL,
};

// The outcome of a plugin operation: a code and, for errors, a message for the user.
class Status {
 public:
  Status() = default;
  Status(Code code, std::string message) : code_(code), message_(std::move(message)) {}
  static Status ok() { return {}; }
  static Status not_found() { return Status(Code::not_found, {}); }

  bool is_ok() const { return code_ == Code::ok; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }

 private:
  Code code_ = Code::ok;
  std::string message_;
};

// The options a cache hands its backend (see sc_option in plugin.h for reserved keys).
class Options {
 public:
  Options() = default;
  Options(const sc_option* options, size_t count) {
    for (size_t i = 0; i < count; ++i) {
      entries_.emplace_back(options[i].key ? options[i].key : "",
                            options[i].value ? options[i].value : "");
    }
  }
  void add(std::string key, std::string value) {
    entries_.emplace_back(std::move(key), std::move(value));
  }

  std::optional<std::string_view> get(std::string_view key) const {
    for (const auto& [k, v] : entries_) {
      if (k == key) return std::string_view(v);
    }
    return std::nullopt;
  }
  std::string get_or(std::string_view key, std::string_view fallback) const {
    auto value = get(key);
    return std::string(value ? *value : fallback);
  }

  // An integer option; `fallback` when absent. Writes an error into `status` (and
  // returns fallback) when the value is not a whole number.
  int64_t get_int(std::string_view key, int64_t fallback, Status& status) const {
    auto value = get(key);
    if (!value) return fallback;
    int64_t result = 0;
    auto [end, ec] = std::from_chars(value->data(), value->data() + value->size(), result);
    if (ec != std::errc() || end != value->data() + value->size()) {
      status = Status(Code::invalid_argument, "option '" + std::string(key) +
                                                  "' must be an integer, got '" +
                                                  std::string(*value) + "'");
      return fallback;
    }
    return result;
  }
  // An integer option that must lie in [minimum, maximum]; `fallback` when absent. On a
  // bad value writes an error into `status` unless it already holds one (so a run of
  // reads reports the first problem) and returns fallback.
  int64_t get_int(std::string_view key, int64_t fallback, int64_t minimum, int64_t maximum,
                  Status& status) const {
    Status parsed;
    const int64_t value = get_int(key, fallback, parsed);
    if (parsed.is_ok() && (value < minimum || value > maximum)) {
      parsed = Status(Code::invalid_argument,
                      "option '" + std::string(key) + "' must be from " + std::to_string(minimum) +
                          " to " + std::to_string(maximum) + ", got " + std::to_string(value));
    }
    if (parsed.is_ok()) return value;
    if (status.is_ok()) status = std::move(parsed);
    return fallback;
  }
  bool get_bool(std::string_view key, bool fallback, Status& status) const {
    auto value = get(key);
    if (!value) return fallback;
    if (*value == "true" || *value == "1") return true;
    if (*value == "false" || *value == "0") return false;
    status = Status(Code::invalid_argument, "option '" + std::string(key) +
                                                "' must be true or false, got '" +
                                                std::string(*value) + "'");
    return fallback;
  }

  static bool is_reserved(std::string_view key) {
    for (std::string_view reserved : {"location", "max_entries", "max_size", "cull_frequency",
                                      "read_only", "cache_name", "base_dir"}) {
      if (key == reserved) return true;
    }
    return false;
  }

  // Fails with a message naming the first option that is neither reserved nor in
  // `known`, and listing the known ones.
  Status check_known(std::initializer_list<std::string_view> known,
                     std::string_view plugin_name) const {
    for (const auto& entry : entries_) {
      const std::string& key = entry.first;
      if (is_reserved(key)) continue;
      bool found = false;
      for (auto k : known) found = found || k == key;
      if (found) continue;
      std::string list;
      for (auto k : known) list += (list.empty() ? "" : ", ") + std::string(k);
      return Status(Code::invalid_argument,
                    "unknown option '" + key + "' for backend " + std::string(plugin_name) +
                        (list.empty() ? " (it takes no options)" : " (known: " + list + ")"));
    }
    return Status::ok();
  }

  const std::vector<std::pair<std::string, std::string>>& entries() const { return entries_; }

 private:
  std::vector<std::pair<std::string, std::string>> entries_;
};

// Hands one value back to the host; the host copies the bytes during the call.
class ValueSink {
 public:
  ValueSink(sc_value_sink sink, void* context) : sink_(sink), context_(context) {}
  ValueSink(const ValueSink&) = delete;
  ValueSink& operator=(const ValueSink&) = delete;
  void deliver(Bytes value) {
    sink_(context_, value.data(), value.size());
    delivered_ = true;
  }
  bool delivered() const { return delivered_; }

 private:
  sc_value_sink sink_;
  void* context_;
  bool delivered_ = false;
};

// Hands back the values of get_many by the position of their key in the request.
class IndexedSink {
 public:
  IndexedSink(sc_indexed_sink sink, void* context) : sink_(sink), context_(context) {}
  IndexedSink(const IndexedSink&) = delete;
  IndexedSink& operator=(const IndexedSink&) = delete;
  void deliver(size_t index, Bytes value) { sink_(context_, index, value.data(), value.size()); }

 private:
  sc_indexed_sink sink_;
  void* context_;
};

struct Item {
  std::string_view key;
  Bytes value;
  int64_t ttl_ms = 0;
};

enum class ScanMode : uint32_t { keys = SC_SCAN_KEYS, values = SC_SCAN_VALUES };

struct ScanEntry {
  std::string_view key;
  std::optional<Bytes> value;  // set when scanning with ScanMode::values
  int64_t value_size = -1;     // -1 when unknown
  int64_t expires_ms = 0;      // 0: never or unknown
  int64_t last_access_ms = 0;  // 0: unknown
};

// Passes scanned entries to the host. visit() returns false when the host wants the scan
// to stop; the plugin should then return promptly with a cursor it could resume from.
class ScanVisitor {
 public:
  ScanVisitor(sc_scan_visitor visitor, void* context) : visitor_(visitor), context_(context) {}
  ScanVisitor(const ScanVisitor&) = delete;
  ScanVisitor& operator=(const ScanVisitor&) = delete;
  bool visit(const ScanEntry& entry) {
    sc_scan_item item{};
    item.key = entry.key.data();
    item.key_size = entry.key.size();
    item.value = entry.value ? entry.value->data() : nullptr;
    item.value_size = entry.value ? static_cast<int64_t>(entry.value->size()) : entry.value_size;
    item.expires_ms = entry.expires_ms;
    item.last_access_ms = entry.last_access_ms;
    return visitor_(context_, &item) == 0;
  }

 private:
  sc_scan_visitor visitor_;
  void* context_;
};

struct Stats {
  int64_t entries = -1;
  int64_t bytes = -1;
  int64_t max_entries = -1;
  int64_t max_bytes = -1;
  int64_t evictions = -1;
};

// --- What a backend class must and may provide -------------------------------------------

template <class B>
concept Backend = requires(B& b, const Options& options, std::unique_ptr<B>& out,
                           std::string_view key, ValueSink& sink, Bytes value, int64_t ttl) {
  { B::plugin_name } -> std::convertible_to<std::string_view>;
  { B::plugin_version } -> std::convertible_to<std::string_view>;
  { B::plugin_description } -> std::convertible_to<std::string_view>;
  { B::create(options, out) } -> std::same_as<Status>;
  { b.get(key, sink) } -> std::same_as<Status>;
  { b.set(key, value, ttl) } -> std::same_as<Status>;
  { b.remove(key) } -> std::same_as<Status>;
};

template <class B>
concept HasGetMany = requires(B& b, std::span<const std::string_view> keys, IndexedSink& sink) {
  { b.get_many(keys, sink) } -> std::same_as<Status>;
};
template <class B>
concept HasSetMany = requires(B& b, std::span<const Item> items) {
  { b.set_many(items) } -> std::same_as<Status>;
};
template <class B>
concept HasTouch = requires(B& b, std::string_view key, int64_t ttl) {
  { b.touch(key, ttl) } -> std::same_as<Status>;
};
template <class B>
concept HasClear = requires(B& b, std::string_view prefix) {
  { b.clear(prefix) } -> std::same_as<Status>;
};
template <class B>
concept HasScan = requires(B& b, std::string_view prefix, uint64_t& cursor, size_t hint,
                           ScanMode mode, ScanVisitor& visitor) {
  { b.scan(prefix, cursor, hint, mode, visitor) } -> std::same_as<Status>;
};
template <class B>
concept HasStats = requires(B& b, Stats& out) {
  { b.stats(out) } -> std::same_as<Status>;
};
template <class B>
concept HasAdd = requires(B& b, std::string_view key, Bytes value, int64_t ttl, bool& stored) {
  { b.add(key, value, ttl, stored) } -> std::same_as<Status>;
};
template <class B>
concept HasValidate = requires(const Options& options) {
  { B::validate(options) } -> std::same_as<Status>;
};
template <class B>
concept HasFlags = requires {
  { B::plugin_flags } -> std::convertible_to<uint64_t>;
};

namespace detail {

// The handle the host sees is a pointer to this box around the user's object.
template <class B>
struct Box {
  std::unique_ptr<B> backend;
};

template <class B>
B& backend_of(sc_handle* handle) {
  return *reinterpret_cast<Box<B>*>(handle)->backend;
}

inline sc_status report(const Status& status, sc_error* error) {
  if (!status.is_ok()) sc_error_set(error, status.message().c_str());
  return static_cast<sc_status>(status.code());
}

// Runs `body` and converts any escaping exception into SC_INTERNAL.
template <class Body>
sc_status guarded(sc_error* error, Body&& body) noexcept {
  try {
    return report(body(), error);
  } catch (const std::bad_alloc&) {
    sc_error_set(error, "out of memory");
  } catch (const std::exception& e) {
    sc_error_set(error, e.what());
  } catch (...) {
    sc_error_set(error, "unknown exception in plugin");
  }
  return SC_INTERNAL;
}

template <class B>
struct Trampolines {
  static sc_status create(const sc_option* options, size_t count, sc_handle** out,
                          sc_error* error) {
    return guarded(error, [&] {
      Options parsed(options, count);
      auto box = std::make_unique<Box<B>>();
      Status status = B::create(parsed, box->backend);
      if (status.is_ok() && !box->backend) {
        status = Status(Code::internal, "create returned no backend");
      }
      if (status.is_ok()) *out = reinterpret_cast<sc_handle*>(box.release());
      return status;
    });
  }
  static sc_status validate(const sc_option* options, size_t count, sc_error* error) {
    return guarded(error, [&] { return B::validate(Options(options, count)); });
  }
  static void destroy(sc_handle* handle) {
    try {
      delete reinterpret_cast<Box<B>*>(handle);
    } catch (...) {
      // A destructor that throws must not cross the ABI; the object is gone regardless.
    }
  }
  static sc_status get(sc_handle* h, const char* key, size_t key_size, sc_value_sink sink,
                       void* context, sc_error* error) {
    return guarded(error, [&] {
      ValueSink value_sink(sink, context);
      return backend_of<B>(h).get(std::string_view(key, key_size), value_sink);
    });
  }
  static sc_status set(sc_handle* h, const char* key, size_t key_size, const uint8_t* value,
                       size_t value_size, int64_t ttl_ms, sc_error* error) {
    return guarded(error, [&] {
      return backend_of<B>(h).set(std::string_view(key, key_size), Bytes(value, value_size),
                                  ttl_ms);
    });
  }
  static sc_status remove(sc_handle* h, const char* key, size_t key_size, sc_error* error) {
    return guarded(error, [&] { return backend_of<B>(h).remove(std::string_view(key, key_size)); });
  }
  static sc_status get_many(sc_handle* h, const sc_key* keys, size_t count, sc_indexed_sink sink,
                            void* context, sc_error* error) {
    return guarded(error, [&] {
      std::vector<std::string_view> views;
      views.reserve(count);
      for (size_t i = 0; i < count; ++i) views.emplace_back(keys[i].data, keys[i].size);
      IndexedSink indexed(sink, context);
      return backend_of<B>(h).get_many(std::span<const std::string_view>(views), indexed);
    });
  }
  static sc_status set_many(sc_handle* h, const sc_item* items, size_t count, sc_error* error) {
    return guarded(error, [&] {
      std::vector<Item> converted;
      converted.reserve(count);
      for (size_t i = 0; i < count; ++i) {
        converted.push_back(Item{std::string_view(items[i].key, items[i].key_size),
                                 Bytes(items[i].value, items[i].value_size), items[i].ttl_ms});
      }
      return backend_of<B>(h).set_many(std::span<const Item>(converted));
    });
  }
  static sc_status touch(sc_handle* h, const char* key, size_t key_size, int64_t ttl_ms,
                         sc_error* error) {
    return guarded(error,
                   [&] { return backend_of<B>(h).touch(std::string_view(key, key_size), ttl_ms); });
  }
  static sc_status clear(sc_handle* h, const char* prefix, size_t prefix_size, sc_error* error) {
    return guarded(error,
                   [&] { return backend_of<B>(h).clear(std::string_view(prefix, prefix_size)); });
  }
  static sc_status scan(sc_handle* h, const char* prefix, size_t prefix_size, uint64_t* cursor,
                        size_t batch_hint, uint32_t flags, sc_scan_visitor visitor, void* context,
                        sc_error* error) {
    return guarded(error, [&] {
      ScanVisitor scan_visitor(visitor, context);
      ScanMode mode = (flags & SC_SCAN_VALUES) ? ScanMode::values : ScanMode::keys;
      return backend_of<B>(h).scan(std::string_view(prefix, prefix_size), *cursor, batch_hint, mode,
                                   scan_visitor);
    });
  }
  static sc_status stats(sc_handle* h, sc_stats* out, sc_error* error) {
    return guarded(error, [&] {
      Stats stats;
      Status status = backend_of<B>(h).stats(stats);
      // Write only the fields the host's struct has (it may be older than ours).
      sc_stats full{};
      full.struct_size = static_cast<uint32_t>(sizeof(sc_stats));
      full.entries = stats.entries;
      full.bytes = stats.bytes;
      full.max_entries = stats.max_entries;
      full.max_bytes = stats.max_bytes;
      full.evictions = stats.evictions;
      size_t size = out->struct_size < sizeof(sc_stats) ? out->struct_size : sizeof(sc_stats);
      uint32_t host_size = out->struct_size;
      std::memcpy(static_cast<void*>(out), &full, size);
      out->struct_size = host_size;
      return status;
    });
  }
  static sc_status add(sc_handle* h, const char* key, size_t key_size, const uint8_t* value,
                       size_t value_size, int64_t ttl_ms, int* stored, sc_error* error) {
    return guarded(error, [&] {
      bool was_stored = false;
      Status status = backend_of<B>(h).add(std::string_view(key, key_size),
                                           Bytes(value, value_size), ttl_ms, was_stored);
      *stored = was_stored ? 1 : 0;
      return status;
    });
  }
};

template <class B>
constexpr uint64_t capabilities() {
  uint64_t caps = 0;
  if constexpr (HasFlags<B>) caps |= static_cast<uint64_t>(B::plugin_flags);
  if constexpr (HasGetMany<B>) caps |= SC_CAP_GET_MANY;
  if constexpr (HasSetMany<B>) caps |= SC_CAP_SET_MANY;
  if constexpr (HasTouch<B>) caps |= SC_CAP_TOUCH;
  if constexpr (HasClear<B>) caps |= SC_CAP_CLEAR;
  if constexpr (HasScan<B>) caps |= SC_CAP_SCAN;
  if constexpr (HasStats<B>) caps |= SC_CAP_STATS;
  if constexpr (HasAdd<B>) caps |= SC_CAP_ADD;
  if constexpr (HasValidate<B>) caps |= SC_CAP_VALIDATE;
  return caps;
}

}  // namespace detail

// The descriptor for backend class B: static storage, built once.
template <Backend B>
const sc_plugin* descriptor() {
  using T = detail::Trampolines<B>;
  static const std::string name(B::plugin_name);
  static const std::string version(B::plugin_version);
  static const std::string description(B::plugin_description);
  static const sc_plugin plugin = [] {
    sc_plugin p{};
    p.struct_size = sizeof(sc_plugin);
    p.abi_major = SC_ABI_MAJOR;
    p.abi_minor = SC_ABI_MINOR;
    p.name = name.c_str();
    p.version = version.c_str();
    p.description = description.c_str();
    p.capabilities = detail::capabilities<B>();
    p.create = &T::create;
    p.destroy = &T::destroy;
    p.get = &T::get;
    p.set = &T::set;
    p.remove = &T::remove;
    if constexpr (HasGetMany<B>) p.get_many = &T::get_many;
    if constexpr (HasSetMany<B>) p.set_many = &T::set_many;
    if constexpr (HasTouch<B>) p.touch = &T::touch;
    if constexpr (HasClear<B>) p.clear = &T::clear;
    if constexpr (HasScan<B>) p.scan = &T::scan;
    if constexpr (HasStats<B>) p.stats = &T::stats;
    if constexpr (HasAdd<B>) p.add = &T::add;
    if constexpr (HasValidate<B>) p.validate = &T::validate;
    return p;
  }();
  return &plugin;
}

}  // namespace sitecache::plugin

// Exports the entry function for backend class `Class` (use once per plugin library).
#define SITECACHE_PLUGIN(Class) SC_DEFINE_PLUGIN_ENTRY(::sitecache::plugin::descriptor<Class>())

#endif  // SITECACHE_PLUGIN_ADAPTER_HPP
