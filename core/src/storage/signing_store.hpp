// A Store that signs what it writes and verifies what it reads (signing/signed_entry.hpp),
// around the store of one cache level. Which entries are served:
//
//   read                      require_signature = false   require_signature = true
//   signed by a trusted key   served                      served
//   unsigned                  served                      rejected
//   signed by an unknown key  served (as unsigned)        rejected
//   bad signature, malformed  rejected                    rejected
//
// A rejected entry reads as a miss (never an error, never its bytes) and is reported
// through `rejected`; it is left in place, since a reader may not be allowed to write and
// the next signed store replaces it. Without a signing key, writes are stored unsigned.
// Thread-safe when the wrapped store is; the keys are immutable after construction.
#ifndef SITECACHE_STORAGE_SIGNING_STORE_HPP
#define SITECACHE_STORAGE_SIGNING_STORE_HPP

#include <functional>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "signing/keys.hpp"
#include "signing/signed_entry.hpp"
#include "sitecache/config.hpp"
#include "storage/store.hpp"

namespace sitecache {

enum class RequireSignature { no, yes };

struct SigningPolicy {
  std::optional<signing::SecretKey> signer;  // none: write unsigned
  std::vector<signing::PublicKey> trusted;   // includes the signer's public key
  RequireSignature require = RequireSignature::no;

  // Whether a read with this seal is served.
  bool accepts(signing::Seal seal) const;
};

// The policy a cache's settings describe: nullopt when it sets none of signing_key,
// trusted_keys and require_signature. config when a key cannot be read or parsed (the
// message names the setting).
Result<std::optional<SigningPolicy>> signing_policy(const CacheConfig& settings,
                                                    const Config& config);

// Called for each rejected read, possibly under the wrapped store's lock: count and
// return; never call back into the store.
using RejectSink = std::function<void(std::string_view key, signing::Seal seal)>;

class SigningStore final : public Store {
 public:
  SigningStore(std::unique_ptr<Store> inner, SigningPolicy policy, RejectSink rejected);
  SigningStore(const SigningStore&) = delete;
  SigningStore& operator=(const SigningStore&) = delete;

  const PluginInfo& info() const override { return inner_->info(); }
  bool has(Capability capability) const override { return inner_->has(capability); }

  Result<std::optional<std::string>> get(std::string_view key) override;
  Result<bool> get_into(std::string_view key, const ValueVisitor& visit) override;
  Status get_many(std::span<const std::string> keys,
                  std::vector<std::optional<std::string>>& values) override;
  Status get_many_into(std::span<const std::string> keys,
                       const IndexedValueVisitor& visit) override;
  Status set(std::string_view key, std::string_view value, int64_t ttl_ms) override;
  Status set_many(std::span<const StoreItem> items) override;
  Result<bool> add(std::string_view key, std::string_view value, int64_t ttl_ms,
                   AddMode* mode = nullptr) override;
  Result<bool> remove(std::string_view key) override { return inner_->remove(key); }
  Result<bool> touch(std::string_view key, int64_t ttl_ms) override {
    return inner_->touch(key, ttl_ms);
  }
  Status clear(std::string_view prefix) override { return inner_->clear(prefix); }
  // Values are opened like reads; a rejected one is handed on as stored, so that the
  // listing's decoder counts it as unreadable rather than trusting it.
  Status scan(std::string_view prefix, ScanValues values,
              const std::function<bool(const StoreScanItem&)>& visitor) override;
  Result<StoreStats> stats() override { return inner_->stats(); }

 private:
  // The payload to serve, or nullopt (reported) when the policy rejects it.
  std::optional<std::span<const uint8_t>> accept(std::string_view key,
                                                 std::span<const uint8_t> bytes) const;
  // The bytes to store for value under key: sealed with a signer, else the value itself.
  std::string sealed(std::string_view key, std::string_view value) const;

  std::unique_ptr<Store> inner_;
  SigningPolicy policy_;
  RejectSink rejected_;
};

}  // namespace sitecache

#endif  // SITECACHE_STORAGE_SIGNING_STORE_HPP
