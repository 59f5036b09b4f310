// A plugin written with plugin.hpp whose operations throw. The adapter must turn each
// exception into SC_INTERNAL with the exception's text, never letting it cross the ABI.
#include <stdexcept>

#include "sitecache/plugin_adapter.hpp"

namespace {

using sitecache::plugin::Bytes;
using sitecache::plugin::Status;

class ThrowingBackend {
 public:
  static constexpr std::string_view plugin_name = "throwing";
  static constexpr std::string_view plugin_version = "1.0.0";
  static constexpr std::string_view plugin_description = "throws from every operation";

  static Status create(const sitecache::plugin::Options& options,
                       std::unique_ptr<ThrowingBackend>& out) {
    if (options.get("throw_on_create")) throw std::runtime_error("create exploded");
    out = std::make_unique<ThrowingBackend>();
    return Status::ok();
  }
  Status get(std::string_view, sitecache::plugin::ValueSink&) {
    throw std::runtime_error("get exploded");
  }
  Status set(std::string_view, Bytes, int64_t) { throw std::logic_error("set exploded"); }
  Status remove(std::string_view) { throw 42; }
};

}  // namespace

SITECACHE_PLUGIN(ThrowingBackend)
