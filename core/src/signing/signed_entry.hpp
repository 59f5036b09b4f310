// The signed envelope: what a cache with a signing_key stores instead of the bare entry
// bytes (entry_format.hpp, build records, blobs: whatever the core writes).
//
// Grammar (integers little-endian):
//
//   signed     := magic version:u8 reserved:u8[3] key_id:u8[8] signature:u8[64] payload
//   magic      := "SCSG"                                               (80-byte header)
//   version    := 1
//   reserved   := 0 0 0
//   key_id     := the first 8 bytes of BLAKE2b-256(signer's public key)
//   signature  := Ed25519(signer's secret key, digest)
//   digest     := BLAKE2b-512(domain, key_size:u64, backend_key, payload)
//   domain     := "sitecache signed entry 1" NUL
//   payload    := the bytes the core wrote (an entry starts "SCE", a build record "SCBR")
//
// The digest covers the backend key, so a signed entry moved or copied to another key
// fails verification, and the domain string keeps the signature from meaning anything in
// another protocol. Hash-then-sign lets a large payload be signed and verified where it
// lies, without a copy.
//
// Bytes that do not start with the magic are unsigned (entries written without a
// signing key, by this or an earlier version).
//
// Version history:
//   1  sitecache 0.3: Ed25519 over BLAKE2b-512.
#ifndef SITECACHE_SIGNING_SIGNED_ENTRY_HPP
#define SITECACHE_SIGNING_SIGNED_ENTRY_HPP

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "signing/keys.hpp"

namespace sitecache::signing {

inline constexpr size_t kSignedHeaderSize = 80;
inline constexpr uint8_t kSignedEntryVersion = 1;

// The envelope around payload, signed for backend_key.
std::string seal(const SecretKey& key, std::string_view backend_key,
                 std::span<const uint8_t> payload);

enum class Seal {
  unsigned_entry,  // no envelope: payload is all the bytes
  valid,           // signed by a trusted key for this backend key
  unknown_key,     // a well-formed envelope by a key that is not trusted
  bad_signature,   // a trusted key's id, but the signature does not verify
  malformed,       // the magic, then a short header or another version
};

struct Opened {
  Seal seal = Seal::malformed;
  std::span<const uint8_t> payload;  // within the bytes given; set for unsigned and signed
};

// Inspects bytes read under backend_key; verifies against `trusted`. Never copies.
Opened open(std::span<const uint8_t> bytes, std::string_view backend_key,
            const std::vector<PublicKey>& trusted);

// "unsigned", "signed by an untrusted key", ... for warnings.
std::string_view describe(Seal seal);

}  // namespace sitecache::signing

#endif  // SITECACHE_SIGNING_SIGNED_ENTRY_HPP
