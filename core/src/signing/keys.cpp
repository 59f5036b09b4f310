#include "signing/keys.hpp"

#include <sodium.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <span>
#include <sstream>
#include <utility>

#include "sitecache/signing.hpp"

namespace sitecache::signing {
namespace {

constexpr std::string_view kPublicPrefix = "scpk1:";
constexpr std::string_view kSecretPrefix = "scsk1:";

std::string_view trim(std::string_view text) {
  const auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  while (!text.empty() && blank(text.front())) text.remove_prefix(1);
  while (!text.empty() && blank(text.back())) text.remove_suffix(1);
  return text;
}

std::string base64(std::span<const uint8_t> bytes) {
  std::string out(sodium_base64_ENCODED_LEN(bytes.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), bytes.data(), bytes.size(),
                    sodium_base64_VARIANT_ORIGINAL);
  out.resize(out.size() - 1);  // the terminating NUL
  return out;
}

// Exactly 32 bytes after `prefix`, or invalid_argument.
Result<std::array<uint8_t, 32>> key_bytes(std::string_view text, std::string_view prefix,
                                          std::string_view kind) {
  text = trim(text);
  if (!text.starts_with(prefix)) {
    const bool swapped = text.starts_with(prefix == kPublicPrefix ? kSecretPrefix : kPublicPrefix);
    return Status(StatusCode::invalid_argument,
                  swapped ? "a " + std::string(prefix == kPublicPrefix ? "secret" : "public") +
                                " key was given where a " + std::string(kind) + " key belongs"
                          : "not a sitecache " + std::string(kind) + " key (expected '" +
                                std::string(prefix) + "' and base64)");
  }
  text.remove_prefix(prefix.size());
  std::array<uint8_t, 32> bytes{};
  size_t length = 0;
  const char* end = nullptr;
  if (!sodium_ready() ||
      sodium_base642bin(bytes.data(), bytes.size(), text.data(), text.size(), nullptr, &length,
                        &end, sodium_base64_VARIANT_ORIGINAL) != 0 ||
      end != text.data() + text.size() || length != bytes.size()) {
    return Status(StatusCode::invalid_argument,
                  "the " + std::string(kind) + " key is not 32 bytes of base64");
  }
  return bytes;
}

}  // namespace

bool sodium_ready() {
  static const bool ready = sodium_init() >= 0;
  return ready;
}

SecretKey::~SecretKey() {
  sodium_memzero(expanded_.data(), expanded_.size());
}

SecretKey::SecretKey(SecretKey&& other) noexcept
    : expanded_(other.expanded_), public_(other.public_) {
  sodium_memzero(other.expanded_.data(), other.expanded_.size());
}

SecretKey& SecretKey::operator=(SecretKey&& other) noexcept {
  if (this != &other) {
    expanded_ = other.expanded_;
    public_ = other.public_;
    sodium_memzero(other.expanded_.data(), other.expanded_.size());
  }
  return *this;
}

Result<SecretKey> SecretKey::from_seed(const std::array<uint8_t, 32>& seed) {
  if (!sodium_ready()) return Status(StatusCode::internal, "libsodium could not start");
  SecretKey key;
  std::array<uint8_t, 32> public_bytes{};
  crypto_sign_ed25519_seed_keypair(public_bytes.data(), key.expanded_.data(), seed.data());
  key.public_ = make_public_key(public_bytes);
  return key;
}

PublicKey make_public_key(const std::array<uint8_t, 32>& bytes) {
  PublicKey key;
  key.bytes = bytes;
  std::array<uint8_t, 32> hash{};
  crypto_generichash(hash.data(), hash.size(), bytes.data(), bytes.size(), nullptr, 0);
  std::copy_n(hash.begin(), key.id.size(), key.id.begin());
  return key;
}

Result<PublicKey> parse_public_key(std::string_view text) {
  Result<std::array<uint8_t, 32>> bytes = key_bytes(text, kPublicPrefix, "public");
  if (!bytes) return bytes.status();
  return make_public_key(*bytes);
}

Result<SecretKey> parse_secret_key(std::string_view text) {
  Result<std::array<uint8_t, 32>> seed = key_bytes(text, kSecretPrefix, "secret");
  if (!seed) return seed.status();
  Result<SecretKey> key = SecretKey::from_seed(*seed);
  sodium_memzero(seed->data(), seed->size());
  return key;
}

std::string format_public_key(const PublicKey& key) {
  return std::string(kPublicPrefix) + base64(key.bytes);
}

std::string format_secret_key(const std::array<uint8_t, 32>& seed) {
  return std::string(kSecretPrefix) + base64(seed);
}

bool is_key_source(std::string_view source) {
  return (source.starts_with("env:") && source.size() > 4) ||
         (source.starts_with("file:") && source.size() > 5);
}

Result<std::string> read_key_source(std::string_view source, const std::filesystem::path& base_dir,
                                    std::string_view what) {
  const std::string setting(what);
  if (source.starts_with("env:") && source.size() > 4) {
    const std::string name(source.substr(4));
    const char* value = std::getenv(name.c_str());
    if (value == nullptr || *value == '\0') {
      return Status(StatusCode::config, setting + " names $" + name + ", which is not set");
    }
    return std::string(value);
  }
  if (source.starts_with("file:") && source.size() > 5) {
    const std::filesystem::path path = base_dir / std::filesystem::path(source.substr(5));
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    if (!in || !(text << in.rdbuf())) {
      return Status(StatusCode::config, setting + ": cannot read " + path.string());
    }
    return text.str();
  }
  return Status(StatusCode::config,
                setting +
                    " must be \"env:NAME\" or \"file:PATH\" (key material never goes "
                    "in the configuration text)");
}

}  // namespace sitecache::signing

namespace sitecache {

Result<SigningKeyTexts> generate_signing_key() {
  if (!signing::sodium_ready()) return Status(StatusCode::internal, "libsodium could not start");
  std::array<uint8_t, 32> seed{};
  randombytes_buf(seed.data(), seed.size());
  Result<signing::SecretKey> key = signing::SecretKey::from_seed(seed);
  if (!key) return key.status();
  SigningKeyTexts texts{signing::format_secret_key(seed),
                        signing::format_public_key(key->public_key())};
  sodium_memzero(seed.data(), seed.size());
  return texts;
}

Result<std::string> public_key_of(std::string_view secret_text) {
  Result<signing::SecretKey> key = signing::parse_secret_key(secret_text);
  if (!key) return key.status();
  return signing::format_public_key(key->public_key());
}

}  // namespace sitecache
