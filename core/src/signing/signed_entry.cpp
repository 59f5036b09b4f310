#include "signing/signed_entry.hpp"

#include <sodium.h>

#include <algorithm>
#include <array>
#include <cstring>

namespace sitecache::signing {
namespace {

constexpr char kMagic[4] = {'S', 'C', 'S', 'G'};
constexpr char kDomain[] = "sitecache signed entry 1";  // with its NUL

using Digest = std::array<uint8_t, crypto_generichash_BYTES_MAX>;

Digest digest_of(std::string_view backend_key, std::span<const uint8_t> payload) {
  crypto_generichash_state state;
  crypto_generichash_init(&state, nullptr, 0, crypto_generichash_BYTES_MAX);
  crypto_generichash_update(&state, reinterpret_cast<const uint8_t*>(kDomain), sizeof kDomain);
  uint8_t size[8];
  uint64_t n = backend_key.size();
  for (uint8_t& byte : size) {
    byte = static_cast<uint8_t>(n & 0xFF);
    n >>= 8;
  }
  crypto_generichash_update(&state, size, sizeof size);
  crypto_generichash_update(&state, reinterpret_cast<const uint8_t*>(backend_key.data()),
                            backend_key.size());
  crypto_generichash_update(&state, payload.data(), payload.size());
  Digest digest{};
  crypto_generichash_final(&state, digest.data(), digest.size());
  return digest;
}

}  // namespace

std::string seal(const SecretKey& key, std::string_view backend_key,
                 std::span<const uint8_t> payload) {
  std::string out(kSignedHeaderSize + payload.size(), '\0');
  auto* header = reinterpret_cast<uint8_t*>(out.data());
  std::memcpy(header, kMagic, 4);
  header[4] = kSignedEntryVersion;
  std::copy(key.public_key().id.begin(), key.public_key().id.end(), header + 8);
  const Digest digest = digest_of(backend_key, payload);
  crypto_sign_ed25519_detached(header + 16, nullptr, digest.data(), digest.size(),
                               key.expanded().data());
  if (!payload.empty()) std::memcpy(header + kSignedHeaderSize, payload.data(), payload.size());
  return out;
}

Opened open(std::span<const uint8_t> bytes, std::string_view backend_key,
            const std::vector<PublicKey>& trusted) {
  if (bytes.size() < 4 || std::memcmp(bytes.data(), kMagic, 4) != 0) {
    return Opened{Seal::unsigned_entry, bytes};
  }
  if (bytes.size() < kSignedHeaderSize || bytes[4] != kSignedEntryVersion || bytes[5] != 0 ||
      bytes[6] != 0 || bytes[7] != 0) {
    return Opened{Seal::malformed, {}};
  }
  const std::span<const uint8_t> payload = bytes.subspan(kSignedHeaderSize);
  const auto signer = std::find_if(trusted.begin(), trusted.end(), [&](const PublicKey& key) {
    return std::equal(key.id.begin(), key.id.end(), bytes.begin() + 8);
  });
  if (signer == trusted.end()) return Opened{Seal::unknown_key, payload};
  const Digest digest = digest_of(backend_key, payload);
  if (crypto_sign_ed25519_verify_detached(bytes.data() + 16, digest.data(), digest.size(),
                                          signer->bytes.data()) != 0) {
    return Opened{Seal::bad_signature, payload};
  }
  return Opened{Seal::valid, payload};
}

std::string_view describe(Seal seal) {
  switch (seal) {
    case Seal::unsigned_entry:
      return "unsigned";
    case Seal::valid:
      return "signed by a trusted key";
    case Seal::unknown_key:
      return "signed by a key that is not trusted";
    case Seal::bad_signature:
      return "signature does not verify";
    case Seal::malformed:
      return "malformed signature envelope";
  }
  return "?";
}

}  // namespace sitecache::signing
