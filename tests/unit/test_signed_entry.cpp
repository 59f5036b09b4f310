// The signed envelope (signing/signed_entry.hpp) and the key texts (signing/keys.hpp).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "signing/keys.hpp"
#include "signing/signed_entry.hpp"
#include "sitecache/signing.hpp"
#include "storage/signing_store.hpp"
#include "storage/store.hpp"

namespace sitecache::signing {
namespace {

SecretKey key_from(uint8_t fill) {
  std::array<uint8_t, 32> seed{};
  seed.fill(fill);
  return std::move(SecretKey::from_seed(seed).value());
}

std::span<const uint8_t> bytes_of(const std::string& s) {
  return span_of(s);
}
std::string text_of(std::span<const uint8_t> s) {
  return std::string(reinterpret_cast<const char*>(s.data()), s.size());
}

TEST(SignedEntry, ASealedPayloadOpensUnderItsKeyWithATrustedSigner) {
  const SecretKey signer = key_from(1);
  const std::string payload = "SCE\x01 rendered page\0with NUL";
  const std::string sealed = seal(signer, "site:1:abc", bytes_of(payload));
  ASSERT_EQ(sealed.size(), kSignedHeaderSize + payload.size());
  const Opened opened = open(bytes_of(sealed), "site:1:abc", {signer.public_key()});
  EXPECT_EQ(opened.seal, Seal::valid);
  EXPECT_EQ(text_of(opened.payload), payload);
}

TEST(SignedEntry, AnotherKeyATamperedByteOrAnotherSignerFails) {
  const SecretKey signer = key_from(1), other = key_from(2);
  const std::string sealed = seal(signer, "site:1:abc", bytes_of(std::string("payload")));
  EXPECT_EQ(open(bytes_of(sealed), "site:1:abd", {signer.public_key()}).seal, Seal::bad_signature);
  for (size_t at : {size_t{20}, kSignedHeaderSize, sealed.size() - 1}) {
    std::string tampered = sealed;
    tampered[at] = static_cast<char>(tampered[at] ^ 0x01);
    EXPECT_EQ(open(bytes_of(tampered), "site:1:abc", {signer.public_key()}).seal,
              Seal::bad_signature)
        << "byte " << at;
  }
  EXPECT_EQ(open(bytes_of(sealed), "site:1:abc", {other.public_key()}).seal, Seal::unknown_key);
  EXPECT_EQ(open(bytes_of(sealed), "site:1:abc", {other.public_key(), signer.public_key()}).seal,
            Seal::valid);
}

TEST(SignedEntry, UnsignedAndMalformedBytes) {
  const std::string plain = "SCE plain entry";
  const Opened opened = open(bytes_of(plain), "k", {});
  EXPECT_EQ(opened.seal, Seal::unsigned_entry);
  EXPECT_EQ(text_of(opened.payload), plain);
  EXPECT_EQ(open(bytes_of(std::string("SCSG\x01short")), "k", {}).seal, Seal::malformed);
  std::string other_version = seal(key_from(1), "k", bytes_of(std::string("x")));
  other_version[4] = 2;
  EXPECT_EQ(open(bytes_of(other_version), "k", {key_from(1).public_key()}).seal, Seal::malformed);
}

TEST(SigningPolicy, WhatIsServed) {
  SigningPolicy lax, strict;
  strict.require = RequireSignature::yes;
  EXPECT_TRUE(lax.accepts(Seal::unsigned_entry));
  EXPECT_TRUE(lax.accepts(Seal::unknown_key));
  EXPECT_FALSE(lax.accepts(Seal::bad_signature));
  EXPECT_FALSE(lax.accepts(Seal::malformed));
  EXPECT_TRUE(strict.accepts(Seal::valid));
  EXPECT_FALSE(strict.accepts(Seal::unsigned_entry));
  EXPECT_FALSE(strict.accepts(Seal::unknown_key));
}

TEST(KeyTexts, GenerateParseAndDerive) {
  const SigningKeyTexts pair = generate_signing_key().value();
  EXPECT_TRUE(pair.secret.starts_with("scsk1:"));
  EXPECT_TRUE(pair.public_key.starts_with("scpk1:"));
  EXPECT_EQ(public_key_of("  " + pair.secret + "\n").value(), pair.public_key);
  const SecretKey secret = parse_secret_key(pair.secret).value();
  const PublicKey pub = parse_public_key(pair.public_key).value();
  EXPECT_EQ(secret.public_key().bytes, pub.bytes);
  EXPECT_EQ(secret.public_key().id, pub.id);
  EXPECT_NE(generate_signing_key().value().secret, pair.secret);

  EXPECT_EQ(parse_public_key(pair.secret).status().message(),
            "a secret key was given where a public key belongs");
  EXPECT_EQ(parse_secret_key(pair.public_key).status().message(),
            "a public key was given where a secret key belongs");
  EXPECT_EQ(parse_public_key("scpk1:AAAA").status().code(), StatusCode::invalid_argument);
  EXPECT_EQ(parse_public_key(pair.public_key + "A").status().code(), StatusCode::invalid_argument);
  EXPECT_EQ(parse_public_key("ssh-ed25519 AAAA").status().code(), StatusCode::invalid_argument);
}

TEST(KeySources, EnvAndFileOnly) {
  EXPECT_TRUE(is_key_source("env:X"));
  EXPECT_TRUE(is_key_source("file:k.key"));
  EXPECT_FALSE(is_key_source("env:"));
  EXPECT_FALSE(is_key_source("scsk1:AAAA"));
  ::setenv("SC_UNIT_KEY", "scsk1:x", 1);
  EXPECT_EQ(read_key_source("env:SC_UNIT_KEY", "/", "signing_key").value(), "scsk1:x");
  ::unsetenv("SC_UNIT_KEY");
  EXPECT_EQ(read_key_source("env:SC_UNIT_KEY", "/", "signing_key").status().message(),
            "signing_key names $SC_UNIT_KEY, which is not set");
  EXPECT_EQ(read_key_source("file:/nonexistent/k", "/", "signing_key").status().code(),
            StatusCode::config);
}

}  // namespace
}  // namespace sitecache::signing
