#include "storage/plugin_store.hpp"

namespace sitecache {
namespace {

constexpr size_t kErrorCapacity = 1024;
constexpr size_t kScanBatch = 512;

// Error buffer for one call.
struct ErrorBuffer {
  char text[kErrorCapacity] = {0};
  sc_error error{text, kErrorCapacity};
};

const uint8_t* bytes_of(std::string_view s) {
  return reinterpret_cast<const uint8_t*>(s.data());
}

StatusCode map_code(sc_status code) {
  switch (code) {
    case SC_OK:
      return StatusCode::ok;
    case SC_NOT_FOUND:
      return StatusCode::not_found;
    case SC_INVALID_ARGUMENT:
      return StatusCode::invalid_argument;
    case SC_IO:
      return StatusCode::io;
    case SC_CORRUPTION:
      return StatusCode::corruption;
    case SC_UNSUPPORTED:
      return StatusCode::unsupported;
    case SC_BUSY:
      return StatusCode::busy;
    case SC_UNAVAILABLE:
      return StatusCode::unavailable;
    default:
      return StatusCode::internal;
  }
}

}  // namespace

PluginStore::PluginStore(std::shared_ptr<LoadedPlugin> plugin, sc_handle* handle)
    : plugin_(std::move(plugin)), api_(plugin_->api()), handle_(handle) {}

PluginStore::~PluginStore() {
  auto lock = lock_if_needed();
  api_.destroy(handle_);
}

Result<std::unique_ptr<PluginStore>> PluginStore::create(
    std::shared_ptr<LoadedPlugin> plugin,
    const std::vector<std::pair<std::string, std::string>>& options) {
  std::vector<sc_option> c_options;
  c_options.reserve(options.size());
  for (const auto& [key, value] : options) c_options.push_back({key.c_str(), value.c_str()});
  ErrorBuffer err;
  sc_handle* handle = nullptr;
  sc_status code;
  {
    std::unique_lock<std::mutex> lock;
    if (!plugin->thread_safe()) lock = std::unique_lock(plugin->call_mutex());
    code = plugin->api().create(c_options.data(), c_options.size(), &handle, &err.error);
  }
  if (code != SC_OK || handle == nullptr) {
    std::string message = "backend " + plugin->info().name + " could not start";
    if (err.text[0] != '\0') message += ": " + std::string(err.text);
    StatusCode mapped = code == SC_OK ? StatusCode::internal : map_code(code);
    return Status(mapped, message);
  }
  return std::unique_ptr<PluginStore>(new PluginStore(std::move(plugin), handle));
}

Status PluginStore::validate(LoadedPlugin& plugin,
                             const std::vector<std::pair<std::string, std::string>>& options) {
  if (plugin.api().validate == nullptr) {
    return Status(StatusCode::unsupported,
                  "backend " + plugin.info().name + " (plugin ABI " +
                      std::to_string(plugin.info().abi_major) + "." +
                      std::to_string(plugin.info().abi_minor) +
                      ") cannot check its options without opening its store");
  }
  std::vector<sc_option> c_options;
  c_options.reserve(options.size());
  for (const auto& [key, value] : options) c_options.push_back({key.c_str(), value.c_str()});
  ErrorBuffer err;
  sc_status code;
  {
    std::unique_lock<std::mutex> lock;
    if (!plugin.thread_safe()) lock = std::unique_lock(plugin.call_mutex());
    code = plugin.api().validate(c_options.data(), c_options.size(), &err.error);
  }
  if (code == SC_OK) return Status::ok();
  std::string message = "backend " + plugin.info().name + " refuses its options";
  if (err.text[0] != '\0') message += ": " + std::string(err.text);
  return Status(map_code(code), message);
}

std::unique_lock<std::mutex> PluginStore::lock_if_needed() {
  if (plugin_->thread_safe()) return {};
  return std::unique_lock(plugin_->call_mutex());
}

Status PluginStore::status_from(sc_status code, const char* error_text) const {
  if (code == SC_OK) return Status::ok();
  std::string message = info().name;
  message += error_text && error_text[0] ? std::string(": ") + error_text : ": failed";
  return Status(map_code(code), message);
}

Result<std::optional<std::string>> PluginStore::get(std::string_view key) {
  std::optional<std::string> value;
  Result<bool> found = get_into(key, [&value](std::span<const uint8_t> bytes) {
    value.emplace(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  });
  if (!found) return found.status();
  return value;
}

Result<bool> PluginStore::get_into(std::string_view key, const ValueVisitor& visit) {
  struct Context {
    const ValueVisitor* visit;
    bool delivered = false;
  } context{&visit};
  ErrorBuffer err;
  sc_status code;
  {
    auto lock = lock_if_needed();
    code = api_.get(
        handle_, key.data(), key.size(),
        [](void* raw, const uint8_t* data, size_t size) {
          auto* ctx = static_cast<Context*>(raw);
          if (ctx->delivered) return;  // the ABI allows one call; ignore any other
          ctx->delivered = true;
          (*ctx->visit)(std::span<const uint8_t>(data, size));
        },
        &context, &err.error);
  }
  if (code == SC_NOT_FOUND) return false;
  if (code != SC_OK) return status_from(code, err.text);
  return context.delivered;
}

Status PluginStore::set(std::string_view key, std::string_view value, int64_t ttl_ms) {
  ErrorBuffer err;
  auto lock = lock_if_needed();
  return status_from(
      api_.set(handle_, key.data(), key.size(), bytes_of(value), value.size(), ttl_ms, &err.error),
      err.text);
}

Result<bool> PluginStore::remove(std::string_view key) {
  ErrorBuffer err;
  sc_status code;
  {
    auto lock = lock_if_needed();
    code = api_.remove(handle_, key.data(), key.size(), &err.error);
  }
  if (code == SC_NOT_FOUND) return false;
  if (code != SC_OK) return status_from(code, err.text);
  return true;
}

Status PluginStore::get_many(std::span<const std::string> keys,
                             std::vector<std::optional<std::string>>& values) {
  values.assign(keys.size(), std::nullopt);
  return get_many_into(keys, [&values](size_t index, std::span<const uint8_t> bytes) {
    values[index].emplace(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  });
}

Status PluginStore::get_many_into(std::span<const std::string> keys,
                                  const IndexedValueVisitor& visit) {
  if (api_.get_many == nullptr) {
    for (size_t i = 0; i < keys.size(); ++i) {
      Result<bool> found =
          get_into(keys[i], [&visit, i](std::span<const uint8_t> bytes) { visit(i, bytes); });
      if (!found) return found.status();
    }
    return Status::ok();
  }
  std::vector<sc_key> c_keys;
  c_keys.reserve(keys.size());
  for (const auto& key : keys) c_keys.push_back({key.data(), key.size()});
  struct Context {
    const IndexedValueVisitor* visit;
    size_t count;
  } context{&visit, keys.size()};
  ErrorBuffer err;
  auto lock = lock_if_needed();
  sc_status code = api_.get_many(
      handle_, c_keys.data(), c_keys.size(),
      [](void* raw, size_t index, const uint8_t* data, size_t size) {
        auto* ctx = static_cast<Context*>(raw);
        if (index < ctx->count) (*ctx->visit)(index, std::span<const uint8_t>(data, size));
      },
      &context, &err.error);
  if (code == SC_NOT_FOUND) return Status::ok();
  return status_from(code, err.text);
}

Status PluginStore::set_many(std::span<const StoreItem> items) {
  if (api_.set_many == nullptr) {
    for (const auto& item : items) {
      if (Status status = set(item.key, item.value, item.ttl_ms); !status) return status;
    }
    return Status::ok();
  }
  std::vector<sc_item> c_items;
  c_items.reserve(items.size());
  for (const auto& item : items) {
    c_items.push_back(
        {item.key.data(), item.key.size(), bytes_of(item.value), item.value.size(), item.ttl_ms});
  }
  ErrorBuffer err;
  auto lock = lock_if_needed();
  return status_from(api_.set_many(handle_, c_items.data(), c_items.size(), &err.error), err.text);
}

Result<bool> PluginStore::touch(std::string_view key, int64_t ttl_ms) {
  if (api_.touch == nullptr) {
    return Status(StatusCode::unsupported, info().name + " cannot touch entries");
  }
  ErrorBuffer err;
  sc_status code;
  {
    auto lock = lock_if_needed();
    code = api_.touch(handle_, key.data(), key.size(), ttl_ms, &err.error);
  }
  if (code == SC_NOT_FOUND) return false;
  if (code != SC_OK) return status_from(code, err.text);
  return true;
}

Status PluginStore::clear(std::string_view prefix) {
  if (api_.clear != nullptr) {
    ErrorBuffer err;
    auto lock = lock_if_needed();
    return status_from(api_.clear(handle_, prefix.data(), prefix.size(), &err.error), err.text);
  }
  if (api_.scan == nullptr) {
    return Status(StatusCode::unsupported, info().name + " can neither clear nor scan");
  }
  // Collect first, then remove: a visitor must not re-enter a non-thread-safe plugin
  // while the scan holds its lock.
  std::vector<std::string> keys;
  Status status = scan(prefix, ScanValues::no, [&](const StoreScanItem& item) {
    keys.emplace_back(item.key);
    return true;
  });
  if (!status) return status;
  for (const auto& key : keys) {
    Result<bool> removed = remove(key);
    if (!removed) return removed.status();
  }
  return Status::ok();
}

Status PluginStore::scan(std::string_view prefix, ScanValues values,
                         const std::function<bool(const StoreScanItem&)>& visitor) {
  if (api_.scan == nullptr) {
    return Status(StatusCode::unsupported, info().name + " cannot list its entries");
  }
  struct Context {
    const std::function<bool(const StoreScanItem&)>* visitor;
    bool values;
    bool stopped = false;
    std::string broken;  // the contract the plugin broke, if it did
  } context{&visitor, values == ScanValues::yes, false, {}};
  uint64_t cursor = 0;
  do {
    ErrorBuffer err;
    sc_status code;
    {
      auto lock = lock_if_needed();
      code = api_.scan(
          handle_, prefix.data(), prefix.size(), &cursor, kScanBatch,
          values == ScanValues::yes ? SC_SCAN_VALUES : SC_SCAN_KEYS,
          [](void* raw, const sc_scan_item* item) -> int {
            auto* ctx = static_cast<Context*>(raw);
            // plugin_abi.h, sc_scan_item: asked for values, every item carries its value;
            // a value's size is never negative. Anything else would be read out of bounds
            // or taken for an empty listing, so the scan stops and says which rule broke.
            if (item->key == nullptr && item->key_size != 0) {
              ctx->broken = "delivered an item without its key";
            } else if (ctx->values && item->value == nullptr) {
              ctx->broken =
                  "was asked for values (SC_SCAN_VALUES) but delivered an item "
                  "without one";
            } else if (item->value != nullptr && item->value_size < 0) {
              ctx->broken = "delivered a value of negative size";
            }
            if (!ctx->broken.empty()) {
              ctx->stopped = true;
              return 1;
            }
            StoreScanItem converted;
            converted.key = std::string_view(item->key, item->key_size);
            if (item->value) {
              converted.value = std::string_view(reinterpret_cast<const char*>(item->value),
                                                 static_cast<size_t>(item->value_size));
            }
            converted.value_size = item->value_size;
            converted.expires_ms = item->expires_ms;
            converted.last_access_ms = item->last_access_ms;
            if (!(*ctx->visitor)(converted)) ctx->stopped = true;
            return ctx->stopped ? 1 : 0;
          },
          &context, &err.error);
    }
    if (!context.broken.empty()) {
      return Status(StatusCode::plugin,
                    info().name + " broke the scan contract of plugin_abi.h: it " + context.broken);
    }
    if (code != SC_OK) return status_from(code, err.text);
  } while (cursor != 0 && !context.stopped);
  return Status::ok();
}

Result<StoreStats> PluginStore::stats() {
  if (api_.stats == nullptr) {
    return Status(StatusCode::unsupported, info().name + " reports no statistics");
  }
  sc_stats raw{};
  raw.struct_size = sizeof(sc_stats);
  raw.entries = raw.bytes = raw.max_entries = raw.max_bytes = raw.evictions = -1;
  ErrorBuffer err;
  sc_status code;
  {
    auto lock = lock_if_needed();
    code = api_.stats(handle_, &raw, &err.error);
  }
  if (code != SC_OK) return status_from(code, err.text);
  return StoreStats{raw.entries, raw.bytes, raw.max_entries, raw.max_bytes, raw.evictions};
}

Result<bool> PluginStore::add(std::string_view key, std::string_view value, int64_t ttl_ms,
                              AddMode* mode) {
  if (api_.add == nullptr) {
    if (mode) *mode = AddMode::emulated;
    Result<std::optional<std::string>> existing = get(key);
    if (!existing) return existing.status();
    if (existing->has_value()) return false;
    if (Status status = set(key, value, ttl_ms); !status) return status;
    return true;
  }
  if (mode) *mode = AddMode::atomic;
  ErrorBuffer err;
  int stored = 0;
  sc_status code;
  {
    auto lock = lock_if_needed();
    code = api_.add(handle_, key.data(), key.size(), bytes_of(value), value.size(), ttl_ms, &stored,
                    &err.error);
  }
  if (code != SC_OK) return status_from(code, err.text);
  return stored != 0;
}

}  // namespace sitecache
