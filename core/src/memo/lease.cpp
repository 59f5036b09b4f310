#include "memo/lease.hpp"

#include <chrono>
#include <thread>

namespace sitecache {
namespace {

using Clock = std::chrono::steady_clock;

// A lease outlives any sane render of one step but not a crashed build: a holder that
// died leaves the lease to expire, and waiters give up well before that anyway.
constexpr std::chrono::seconds kLeaseTtl{30};
constexpr std::chrono::seconds kLeaseMaxWait{10};
constexpr std::chrono::milliseconds kLeasePollFirst{10};
constexpr std::chrono::milliseconds kLeasePollMax{200};

// Polls for the entry another process is rendering under its lease. The stored output
// when it appears; nullopt when the holder finished without storing, the lease vanished,
// or kLeaseMaxWait passed (then this process renders itself: never a deadlock).
std::optional<StoredValue> wait_for_holder(CacheImpl& impl, const std::string& backend_key,
                                           Store& store, const std::string& lease_key) {
  const auto give_up = Clock::now() + kLeaseMaxWait;
  auto pause = kLeasePollFirst;
  while (Clock::now() < give_up) {
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, kLeasePollMax);
    Result<std::optional<StoredValue>> theirs = impl.read(backend_key);
    if (theirs && theirs->has_value()) return std::move(**theirs);
    Result<std::optional<std::string>> lease = store.get(lease_key);
    if (!lease || !lease->has_value()) break;
  }
  return std::nullopt;
}

}  // namespace

bool leases_apply(CacheImpl& impl) {
  return impl.settings.single_flight == SingleFlight::shared && !impl.settings.read_only &&
         impl.has(Capability::add) && impl.has(Capability::shared);
}

Result<std::optional<StoredValue>> lease_or_wait(CacheImpl& impl, const Digest& key,
                                                 const std::string& backend_key, Lease& lease) {
  using Nothing = std::optional<StoredValue>;
  EntryMeta meta;
  meta.created_ms = now_ms();
  meta.expires_ms = meta.created_ms + kLeaseTtl.count() * 1000;
  meta.label = "lease";
  // Straight to the store, not through add_key: a failed add must mean "render now",
  // never "someone else holds the lease, wait for them". Shared backends expire a lease
  // natively if its holder dies.
  const std::string lease_key = impl.keys.lease(key);
  Result<Store*> store = impl.acquire_store();
  Result<bool> leased =
      store ? (*store)->add(lease_key, encode_entry(meta, "", PayloadCompression::none),
                            kLeaseTtl.count() * 1000)
            : Result<bool>(store.status());
  if (!leased) return impl.settle(Result<Nothing>(leased.status()), "lease", Nothing());
  if (*leased) {
    lease.hold(lease_key);
    return Nothing();
  }
  return wait_for_holder(impl, backend_key, **store, lease_key);
}

}  // namespace sitecache
