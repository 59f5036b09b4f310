// The "dummy" backend: a cache that stores nothing, like Django's DummyCache.
//
// It is what SITECACHE_DISABLE=1 turns every cache into, so each operation answers the
// way that keeps a build correct with no cache at all:
//   get / get_many        always a miss (NOT_FOUND / nothing delivered)
//   set / set_many        OK, nothing kept
//   remove / touch        NOT_FOUND: there is never an entry to remove or touch (touch
//                         also returns False in Django's DummyCache)
//   add                   OK with stored = 1, as Django's DummyCache.add returns True.
//                         A caller that uses add as a single-flight lease must win it:
//                         stored = 0 would tell it another holder is about to write a value
//                         that will never appear, and it would wait for nothing.
//   clear                 OK; scan visits nothing and completes (cursor 0)
//   stats                 0 entries, 0 bytes, no limits, 0 evictions
// It accepts the reserved options (and ignores them) and rejects any other option.
//
// Thread safety: the backend has no state, so concurrent calls are safe.
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

#include "sitecache/plugin_adapter.hpp"

namespace {

namespace sp = sitecache::plugin;

class DummyBackend {
 public:
  static constexpr std::string_view plugin_name = "dummy";
  static constexpr std::string_view plugin_version = "1.0.0";
  static constexpr std::string_view plugin_description =
      "stores nothing: every read is a miss (for disabling caching)";
  static constexpr uint64_t plugin_flags = SC_CAP_THREAD_SAFE;

  static sp::Status validate(const sp::Options& options) {
    return options.check_known({}, plugin_name);
  }
  static sp::Status create(const sp::Options& options, std::unique_ptr<DummyBackend>& out) {
    sp::Status status = validate(options);
    if (!status.is_ok()) return status;
    out = std::make_unique<DummyBackend>();
    return sp::Status::ok();
  }

  sp::Status get(std::string_view /*key*/, sp::ValueSink& /*sink*/) {
    return sp::Status::not_found();
  }
  sp::Status set(std::string_view /*key*/, sp::Bytes /*value*/, int64_t /*ttl_ms*/) {
    return sp::Status::ok();
  }
  sp::Status remove(std::string_view /*key*/) { return sp::Status::not_found(); }

  sp::Status get_many(std::span<const std::string_view> /*keys*/, sp::IndexedSink& /*sink*/) {
    return sp::Status::ok();
  }
  sp::Status set_many(std::span<const sp::Item> /*items*/) { return sp::Status::ok(); }
  sp::Status touch(std::string_view /*key*/, int64_t /*ttl_ms*/) { return sp::Status::not_found(); }
  sp::Status clear(std::string_view /*prefix*/) { return sp::Status::ok(); }
  sp::Status scan(std::string_view /*prefix*/, uint64_t& cursor, size_t /*batch_hint*/,
                  sp::ScanMode /*mode*/, sp::ScanVisitor& /*visitor*/) {
    cursor = 0;
    return sp::Status::ok();
  }
  sp::Status stats(sp::Stats& out) {
    out.entries = 0;
    out.bytes = 0;
    out.max_entries = -1;
    out.max_bytes = -1;
    out.evictions = 0;
    return sp::Status::ok();
  }
  sp::Status add(std::string_view /*key*/, sp::Bytes /*value*/, int64_t /*ttl_ms*/, bool& stored) {
    stored = true;
    return sp::Status::ok();
  }
};

}  // namespace

SITECACHE_PLUGIN(DummyBackend)
