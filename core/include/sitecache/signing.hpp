// Keys for signed entries (docs/security.md). A cache configured with a signing_key signs
// every entry it writes with Ed25519; readers accept entries signed by one of their
// trusted_keys. The key texts are what the configuration and key files hold:
//
//   secret key  "scsk1:" base64(32-byte Ed25519 seed)     keep private (mode 0600)
//   public key  "scpk1:" base64(32-byte Ed25519 public key)
//
// The prefixes make a secret key pasted where a public key belongs (or the reverse) an
// error rather than a silent misconfiguration. All functions are thread safe.
#ifndef SITECACHE_SIGNING_HPP
#define SITECACHE_SIGNING_HPP

#include <string>
#include <string_view>

#include "sitecache/export.hpp"
#include "sitecache/status.hpp"

namespace sitecache {

// A new key pair's texts. The secret text is key material: write it with mode 0600.
struct SigningKeyTexts {
  std::string secret;
  std::string public_key;
};

// A fresh key pair from the operating system's random source; internal on failure.
SITECACHE_EXPORT Result<SigningKeyTexts> generate_signing_key();

// The public key text of a secret key text (surrounding whitespace ignored);
// invalid_argument when the text is not a secret key.
SITECACHE_EXPORT Result<std::string> public_key_of(std::string_view secret_text);

}  // namespace sitecache

#endif  // SITECACHE_SIGNING_HPP
