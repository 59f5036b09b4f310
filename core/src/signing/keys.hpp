// Ed25519 keys of signed entries, parsed from and formatted as the texts of
// sitecache/signing.hpp, and resolved from where a configuration names them.
#ifndef SITECACHE_SIGNING_KEYS_HPP
#define SITECACHE_SIGNING_KEYS_HPP

#include <array>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "sitecache/status.hpp"

namespace sitecache::signing {

// The first 8 bytes of BLAKE2b-256(public key): names the key in a signed envelope so a
// reader picks the right trusted key without trying each.
using KeyId = std::array<uint8_t, 8>;

struct PublicKey {
  std::array<uint8_t, 32> bytes{};
  KeyId id{};
};

// Holds key material: not copyable (one owner), wiped when destroyed.
class SecretKey {
 public:
  SecretKey() = default;
  ~SecretKey();
  SecretKey(const SecretKey&) = delete;
  SecretKey& operator=(const SecretKey&) = delete;
  SecretKey(SecretKey&& other) noexcept;
  SecretKey& operator=(SecretKey&& other) noexcept;

  // From a 32-byte seed; internal when libsodium cannot start.
  static Result<SecretKey> from_seed(const std::array<uint8_t, 32>& seed);

  const PublicKey& public_key() const { return public_; }
  // libsodium's 64-byte secret key (seed and public key).
  const std::array<uint8_t, 64>& expanded() const { return expanded_; }

 private:
  std::array<uint8_t, 64> expanded_{};
  PublicKey public_;
};

// Starts libsodium once per process; false when it cannot (no random source).
bool sodium_ready();

PublicKey make_public_key(const std::array<uint8_t, 32>& bytes);

// "scpk1:BASE64" and "scsk1:BASE64", surrounding whitespace ignored; invalid_argument
// naming what is wrong otherwise.
Result<PublicKey> parse_public_key(std::string_view text);
Result<SecretKey> parse_secret_key(std::string_view text);
std::string format_public_key(const PublicKey& key);
std::string format_secret_key(const std::array<uint8_t, 32>& seed);

// Where a configuration names a key: "env:NAME" (the variable's value) or "file:PATH"
// (the file's text; PATH relative to base_dir). `what` names the setting in messages.
// config when the source is malformed, unset or unreadable.
Result<std::string> read_key_source(std::string_view source, const std::filesystem::path& base_dir,
                                    std::string_view what);
// Whether `source` has the form of a key source (for config checks that run before the
// key itself is read).
bool is_key_source(std::string_view source);

}  // namespace sitecache::signing

#endif  // SITECACHE_SIGNING_KEYS_HPP
