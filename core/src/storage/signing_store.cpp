#include "storage/signing_store.hpp"

#include <algorithm>
#include <utility>

namespace sitecache {

bool SigningPolicy::accepts(signing::Seal seal) const {
  switch (seal) {
    case signing::Seal::valid:
      return true;
    case signing::Seal::unsigned_entry:
    case signing::Seal::unknown_key:
      return require == RequireSignature::no;
    case signing::Seal::bad_signature:
    case signing::Seal::malformed:
      return false;
  }
  return false;
}

Result<std::optional<SigningPolicy>> signing_policy(const CacheConfig& settings,
                                                    const Config& config) {
  if (settings.signing_key.empty() && settings.trusted_keys.empty() &&
      !settings.require_signature) {
    return std::optional<SigningPolicy>();
  }
  const std::string where = "cache '" + settings.name + "': ";
  SigningPolicy policy;
  policy.require = settings.require_signature ? RequireSignature::yes : RequireSignature::no;
  if (!settings.signing_key.empty()) {
    Result<std::string> text =
        signing::read_key_source(settings.signing_key, config.base_dir, where + "signing_key");
    if (!text) return text.status();
    Result<signing::SecretKey> key = signing::parse_secret_key(*text);
    if (!key) {
      return Status(StatusCode::config,
                    where + "signing_key " + settings.signing_key + ": " + key.status().message());
    }
    policy.trusted.push_back(key->public_key());
    policy.signer = std::move(key.value());
  }
  for (const std::string& entry : settings.trusted_keys) {
    std::string text = entry;
    if (signing::is_key_source(entry)) {
      Result<std::string> read =
          signing::read_key_source(entry, config.base_dir, where + "trusted_keys " + entry);
      if (!read) return read.status();
      text = std::move(*read);
    }
    Result<signing::PublicKey> key = signing::parse_public_key(text);
    if (!key) {
      return Status(StatusCode::config,
                    where + "trusted_keys " + entry + ": " + key.status().message());
    }
    policy.trusted.push_back(*key);
  }
  return std::optional<SigningPolicy>(std::move(policy));
}

SigningStore::SigningStore(std::unique_ptr<Store> inner, SigningPolicy policy, RejectSink rejected)
    : inner_(std::move(inner)), policy_(std::move(policy)), rejected_(std::move(rejected)) {}

std::optional<std::span<const uint8_t>> SigningStore::accept(std::string_view key,
                                                             std::span<const uint8_t> bytes) const {
  const signing::Opened opened = signing::open(bytes, key, policy_.trusted);
  if (policy_.accepts(opened.seal)) return opened.payload;
  if (rejected_) rejected_(key, opened.seal);
  return std::nullopt;
}

std::string SigningStore::sealed(std::string_view key, std::string_view value) const {
  if (!policy_.signer) return std::string(value);
  return signing::seal(*policy_.signer, key, span_of(value));
}

Result<std::optional<std::string>> SigningStore::get(std::string_view key) {
  Result<std::optional<std::string>> found = inner_->get(key);
  if (!found || !found->has_value()) return found;
  std::string& bytes = **found;
  const std::optional<std::span<const uint8_t>> payload = accept(key, span_of(bytes));
  if (!payload) return std::optional<std::string>();
  bytes.erase(0, bytes.size() - payload->size());
  return found;
}

Result<bool> SigningStore::get_into(std::string_view key, const ValueVisitor& visit) {
  // A later delivery replaces an earlier one (store.hpp), so the last one decides.
  bool accepted = false;
  Result<bool> found = inner_->get_into(key, [&](std::span<const uint8_t> bytes) {
    const std::optional<std::span<const uint8_t>> payload = accept(key, bytes);
    accepted = payload.has_value();
    if (payload) visit(*payload);
  });
  if (!found || !*found) return found;
  return accepted;
}

Status SigningStore::get_many(std::span<const std::string> keys,
                              std::vector<std::optional<std::string>>& values) {
  if (Status status = inner_->get_many(keys, values); !status) return status;
  for (size_t i = 0; i < values.size() && i < keys.size(); ++i) {
    if (!values[i]) continue;
    const std::optional<std::span<const uint8_t>> payload = accept(keys[i], span_of(*values[i]));
    if (!payload) {
      values[i].reset();
    } else {
      values[i]->erase(0, values[i]->size() - payload->size());
    }
  }
  return Status::ok();
}

Status SigningStore::get_many_into(std::span<const std::string> keys,
                                   const IndexedValueVisitor& visit) {
  return inner_->get_many_into(keys, [&](size_t i, std::span<const uint8_t> bytes) {
    if (std::optional<std::span<const uint8_t>> payload = accept(keys[i], bytes)) {
      visit(i, *payload);
    }
  });
}

Status SigningStore::set(std::string_view key, std::string_view value, int64_t ttl_ms) {
  if (!policy_.signer) return inner_->set(key, value, ttl_ms);
  return inner_->set(key, sealed(key, value), ttl_ms);
}

Status SigningStore::set_many(std::span<const StoreItem> items) {
  if (!policy_.signer) return inner_->set_many(items);
  std::vector<StoreItem> signed_items;
  signed_items.reserve(items.size());
  for (const StoreItem& item : items) {
    signed_items.push_back(StoreItem{item.key, sealed(item.key, item.value), item.ttl_ms});
  }
  return inner_->set_many(signed_items);
}

Result<bool> SigningStore::add(std::string_view key, std::string_view value, int64_t ttl_ms,
                               AddMode* mode) {
  if (!policy_.signer) return inner_->add(key, value, ttl_ms, mode);
  return inner_->add(key, sealed(key, value), ttl_ms, mode);
}

Status SigningStore::scan(std::string_view prefix, ScanValues values,
                          const std::function<bool(const StoreScanItem&)>& visitor) {
  if (values == ScanValues::no) return inner_->scan(prefix, values, visitor);
  return inner_->scan(prefix, values, [&](const StoreScanItem& item) {
    if (!item.value) return visitor(item);
    const signing::Opened opened = signing::open(span_of(*item.value), item.key, policy_.trusted);
    if (!policy_.accepts(opened.seal)) return visitor(item);
    StoreScanItem open_item = item;
    open_item.value = std::string_view(reinterpret_cast<const char*>(opened.payload.data()),
                                       opened.payload.size());
    open_item.value_size = static_cast<int64_t>(opened.payload.size());
    return visitor(open_item);
  });
}

}  // namespace sitecache
