#include "format/entry_format.hpp"

#include <xxhash.h>
#ifdef SITECACHE_XXH3_DISPATCH
#include <xxh_x86dispatch.h>  // XXH3_64bits: the widest SIMD variant this CPU runs
#endif
#include <zstd.h>

#include <algorithm>
#include <cstring>
#include <memory>

namespace sitecache {
namespace {

constexpr char kMagic[3] = {'S', 'C', 'E'};
constexpr uint8_t kFlagZstd = 1;
constexpr uint8_t kFlagFiles = 2;
constexpr uint8_t kKnownFlags = kFlagZstd | kFlagFiles;
constexpr size_t kMaxReferences = 65535;
constexpr size_t kFixedHeaderSize = 3 + 1 + 1 + 8 * 5;
// Level 1, not zstd's default 3: on the example site's HTML pages it compresses as well
// (5,166 vs 5,198 bytes for a 13 KB page) and faster, and compression is on the path of
// every cold-build store.
constexpr int kZstdLevel = 1;
// The most a frame is inflated by in one step (finish_entry).
constexpr size_t kInflateStep = size_t{1} << 20;

void put_u16(std::string& out, uint16_t v) {
  out.push_back(static_cast<char>(v & 0xFF));
  out.push_back(static_cast<char>(v >> 8));
}
void put_u32(std::string& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>(v >> (8 * i)));
}
void put_u64(std::string& out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>(v >> (8 * i)));
}
void put_str(std::string& out, std::string_view s) {
  if (s.size() > kMaxMetaString) s = s.substr(0, kMaxMetaString);
  put_u32(out, static_cast<uint32_t>(s.size()));
  out.append(s);
}

// Bounds-checked little-endian reader; every read fails softly once past the end.
class Reader {
 public:
  explicit Reader(std::span<const uint8_t> bytes) : bytes_(bytes) {}
  bool ok() const { return ok_; }
  size_t remaining() const { return bytes_.size() - pos_; }
  size_t position() const { return pos_; }

  uint64_t uint(size_t width) {
    if (!need(width)) return 0;
    uint64_t v = 0;
    for (size_t i = 0; i < width; ++i) v |= static_cast<uint64_t>(bytes_[pos_ + i]) << (8 * i);
    pos_ += width;
    return v;
  }
  std::span<const uint8_t> take(uint64_t n) {
    if (!need(n)) return {};
    auto out = bytes_.subspan(pos_, static_cast<size_t>(n));
    pos_ += static_cast<size_t>(n);
    return out;
  }
  std::string str() {
    uint64_t n = uint(4);
    if (n > kMaxMetaString) ok_ = false;
    auto data = take(n);
    return ok_ ? std::string(reinterpret_cast<const char*>(data.data()), data.size()) : "";
  }

 private:
  bool need(uint64_t n) {
    if (!ok_ || n > remaining()) ok_ = false;
    return ok_;
  }
  std::span<const uint8_t> bytes_;
  size_t pos_ = 0;
  bool ok_ = true;
};

// One compression and one decompression context per thread: creating them per call
// cost about half of a compressed hit (measured on a 29 KiB page).
ZSTD_CCtx* compression_context() {
  thread_local std::unique_ptr<ZSTD_CCtx, size_t (*)(ZSTD_CCtx*)> context(ZSTD_createCCtx(),
                                                                          ZSTD_freeCCtx);
  return context.get();
}
ZSTD_DCtx* decompression_context() {
  thread_local std::unique_ptr<ZSTD_DCtx, size_t (*)(ZSTD_DCtx*)> context(ZSTD_createDCtx(),
                                                                          ZSTD_freeDCtx);
  return context.get();
}

Status corrupt(std::string what) {
  return Status(StatusCode::corruption, std::move(what));
}

struct Parsed {
  EntryMeta meta;
  std::span<const uint8_t> payload;
};

Result<Parsed> parse(std::span<const uint8_t> bytes, uint64_t max_value_size) {
  if (bytes.size() < kFixedHeaderSize + 8) return corrupt("entry too short");
  if (std::memcmp(bytes.data(), kMagic, 3) != 0) return corrupt("not a sitecache entry");
  if (bytes[3] != kEntryFormatVersion) {
    return corrupt("entry format version " + std::to_string(bytes[3]) + ", expected " +
                   std::to_string(kEntryFormatVersion));
  }
  const size_t body_size = bytes.size() - 8;
  uint64_t stored_checksum = 0;
  for (int i = 0; i < 8; ++i) {
    stored_checksum |= static_cast<uint64_t>(bytes[body_size + i]) << (8 * i);
  }
  if (XXH3_64bits(bytes.data(), body_size) != stored_checksum) {
    return corrupt("entry checksum mismatch");
  }

  Reader in(bytes.first(body_size));
  in.take(4);
  Parsed parsed;
  EntryMeta& m = parsed.meta;
  uint64_t flags = in.uint(1);
  m.created_ms = static_cast<int64_t>(in.uint(8));
  m.expires_ms = static_cast<int64_t>(in.uint(8));
  m.generation = in.uint(8);
  m.cost_us = in.uint(8);
  m.raw_size = in.uint(8);
  m.label = in.str();
  m.slot = in.str();
  uint64_t tag_count = in.uint(2);
  if (tag_count > kMaxTags) return corrupt("too many tags");
  for (uint64_t i = 0; i < tag_count && in.ok(); ++i) m.tags.push_back(in.str());
  if (flags & ~static_cast<uint64_t>(kKnownFlags)) return corrupt("unknown entry flags");
  m.files = (flags & kFlagFiles) != 0;
  if (m.files) {
    const uint64_t references = in.uint(2);
    for (uint64_t i = 0; i < references && in.ok(); ++i) {
      const auto digest = in.take(16);
      if (!in.ok()) break;
      Digest d;
      std::memcpy(d.bytes.data(), digest.data(), 16);
      m.references.push_back(d);
    }
  }
  uint64_t payload_size = in.uint(8);
  parsed.payload = in.take(payload_size);
  if (!in.ok()) return corrupt("entry truncated");
  if (in.remaining() != 0) return corrupt("trailing bytes after payload");
  m.compressed = (flags & kFlagZstd) != 0;
  if (!m.compressed && payload_size != m.raw_size) return corrupt("payload size mismatch");
  if (m.raw_size > kMaxValueSize) return corrupt("value size beyond the format's limit");
  if (m.raw_size > max_value_size) {
    return corrupt("value of " + std::to_string(m.raw_size) + " bytes is over max_value_size (" +
                   std::to_string(max_value_size) + " bytes)");
  }
  return parsed;
}

}  // namespace

namespace {

// Header and metadata, up to (not including) the payload length.
void put_prefix(std::string& out, const EntryMeta& meta, uint8_t flags, uint64_t raw_size) {
  out.append(kMagic, 3);
  out.push_back(static_cast<char>(kEntryFormatVersion));
  out.push_back(static_cast<char>(flags | (meta.files ? kFlagFiles : 0)));
  put_u64(out, static_cast<uint64_t>(meta.created_ms));
  put_u64(out, static_cast<uint64_t>(meta.expires_ms));
  put_u64(out, meta.generation);
  put_u64(out, meta.cost_us);
  put_u64(out, raw_size);
  put_str(out, meta.label);
  put_str(out, meta.slot);
  const size_t tags = std::min(meta.tags.size(), kMaxTags);
  put_u16(out, static_cast<uint16_t>(tags));
  for (size_t i = 0; i < tags; ++i) put_str(out, meta.tags[i]);
  if (meta.files) {
    const size_t references = std::min(meta.references.size(), kMaxReferences);
    put_u16(out, static_cast<uint16_t>(references));
    for (size_t i = 0; i < references; ++i) {
      out.append(reinterpret_cast<const char*>(meta.references[i].bytes.data()), 16);
    }
  }
}

size_t prefix_capacity(const EntryMeta& meta) {
  size_t size =
      kFixedHeaderSize + meta.label.size() + meta.slot.size() + 64 + meta.references.size() * 16;
  for (const std::string& tag : meta.tags) size += tag.size() + 4;
  return size;
}

void write_u64_at(std::string& out, size_t at, uint64_t v) {
  for (int i = 0; i < 8; ++i) out[at + static_cast<size_t>(i)] = static_cast<char>(v >> (8 * i));
}

}  // namespace

std::string encode_entry(const EntryMeta& meta, std::string_view value,
                         PayloadCompression compression) {
  std::string compressed;
  bool use_zstd = false;
  if (compression == PayloadCompression::zstd && value.size() >= kMinCompressSize) {
    compressed.resize(ZSTD_compressBound(value.size()));
    size_t n = ZSTD_compressCCtx(compression_context(), compressed.data(), compressed.size(),
                                 value.data(), value.size(), kZstdLevel);
    if (!ZSTD_isError(n) && n < value.size() - value.size() / 16) {
      compressed.resize(n);
      use_zstd = true;
    }
  }
  std::string_view payload = use_zstd ? std::string_view(compressed) : value;

  std::string out;
  out.reserve(prefix_capacity(meta) + payload.size());
  put_prefix(out, meta, use_zstd ? kFlagZstd : 0, value.size());
  put_u64(out, payload.size());
  out.append(payload);
  put_u64(out, XXH3_64bits(out.data(), out.size()));
  return out;
}

EntryUnderConstruction reserve_entry(const EntryMeta& meta, size_t capacity) {
  EntryUnderConstruction entry;
  // Room for the checksum too: seal_entry must not reallocate (and so copy) a large payload.
  entry.bytes.reserve(prefix_capacity(meta) + capacity + 8);
  put_prefix(entry.bytes, meta, 0, 0);
  put_u64(entry.bytes, 0);
  entry.payload_at = entry.bytes.size();
  entry.bytes.resize(entry.payload_at + capacity);
  return entry;
}

void seal_entry(EntryUnderConstruction& entry, size_t payload_size, PayloadCompression stored_as,
                uint64_t raw_size) {
  std::string& out = entry.bytes;
  out.resize(entry.payload_at + payload_size);
  const bool zstd = stored_as == PayloadCompression::zstd;
  out[4] = static_cast<char>((out[4] & ~kFlagZstd) | (zstd ? kFlagZstd : 0));
  write_u64_at(out, 5 + 4 * 8, raw_size);  // after flags and four header fields
  write_u64_at(out, entry.payload_at - 8, payload_size);
  put_u64(out, XXH3_64bits(out.data(), out.size()));
}

std::optional<std::string> encode_compressed_entry(const EntryMeta& meta,
                                                   std::span<const uint8_t> raw) {
  constexpr size_t kSample = 64 * 1024;
  if (raw.size() < kMinCompressSize) return std::nullopt;
  if (raw.size() > kSample) {
    std::string sample(ZSTD_compressBound(kSample), '\0');
    const size_t n = ZSTD_compressCCtx(compression_context(), sample.data(), sample.size(),
                                       raw.data(), kSample, kZstdLevel);
    if (ZSTD_isError(n) || n >= kSample - kSample / 16) return std::nullopt;
  }
  EntryUnderConstruction entry = reserve_entry(meta, ZSTD_compressBound(raw.size()));
  const size_t n =
      ZSTD_compressCCtx(compression_context(), entry.bytes.data() + entry.payload_at,
                        entry.bytes.size() - entry.payload_at, raw.data(), raw.size(), kZstdLevel);
  if (ZSTD_isError(n) || n >= raw.size() - raw.size() / 16) return std::nullopt;
  seal_entry(entry, n, PayloadCompression::zstd, raw.size());
  return std::move(entry.bytes);
}

Result<EntryView> view_entry(std::span<const uint8_t> bytes, uint64_t max_value_size) {
  Result<Parsed> parsed = parse(bytes, max_value_size);
  if (!parsed) return parsed.status();
  return EntryView{std::move(parsed->meta), parsed->payload};
}

Result<EntryMeta> decode_entry_meta(std::span<const uint8_t> bytes) {
  Result<Parsed> parsed = parse(bytes, kMaxValueSize);
  if (!parsed) return parsed.status();
  return std::move(parsed->meta);
}

Result<VerifiedEntry> take_entry(std::span<const uint8_t> bytes, uint64_t max_value_size) {
  Result<Parsed> parsed = parse(bytes, max_value_size);
  if (!parsed) return parsed.status();
  const auto payload = parsed->payload;
  return VerifiedEntry{std::move(parsed->meta),
                       std::string(reinterpret_cast<const char*>(payload.data()), payload.size())};
}

Result<DecodedEntry> finish_entry(VerifiedEntry&& entry) {
  if (!entry.meta.compressed) return DecodedEntry{std::move(entry.meta), std::move(entry.payload)};
  DecodedEntry decoded;
  decoded.meta = std::move(entry.meta);
  const std::string_view frame = entry.payload;
  const uint64_t raw_size = decoded.meta.raw_size;
  unsigned long long frame_size = ZSTD_getFrameContentSize(frame.data(), frame.size());
  if (frame_size == ZSTD_CONTENTSIZE_ERROR || frame_size == ZSTD_CONTENTSIZE_UNKNOWN ||
      frame_size != raw_size) {
    return corrupt("compressed payload has a bad frame header");
  }
  if (raw_size <= kInflateStep) {  // one step: the common case of a page or a fragment
    decoded.value.resize(static_cast<size_t>(raw_size));
    size_t n = ZSTD_decompressDCtx(decompression_context(), decoded.value.data(),
                                   decoded.value.size(), frame.data(), frame.size());
    if (ZSTD_isError(n) || n != raw_size) return corrupt("compressed payload does not decompress");
    return decoded;
  }
  ZSTD_DCtx* context = decompression_context();
  ZSTD_DCtx_reset(context, ZSTD_reset_session_only);
  ZSTD_inBuffer in{frame.data(), frame.size(), 0};
  std::string& value = decoded.value;
  size_t produced = 0;
  for (;;) {
    if (produced == value.size()) {
      if (produced == raw_size) return corrupt("compressed payload inflates beyond its size");
      value.resize(produced +
                   static_cast<size_t>(std::min<uint64_t>(kInflateStep, raw_size - produced)));
    }
    ZSTD_outBuffer out{value.data(), value.size(), produced};
    const size_t rc = ZSTD_decompressStream(context, &out, &in);
    if (ZSTD_isError(rc)) return corrupt("compressed payload does not decompress");
    produced = out.pos;
    if (rc == 0) break;  // the frame is complete
    if (in.pos == in.size && out.pos < out.size) return corrupt("compressed payload is truncated");
  }
  if (produced != raw_size || in.pos != in.size) {
    return corrupt("compressed payload does not decompress to its size");
  }
  return decoded;
}

Result<DecodedEntry> decode_entry(std::span<const uint8_t> bytes, uint64_t max_value_size) {
  Result<VerifiedEntry> taken = take_entry(bytes, max_value_size);
  if (!taken) return taken.status();
  return finish_entry(std::move(*taken));
}

Result<DecodedEntry> decode_entry(std::string_view bytes, uint64_t max_value_size) {
  return decode_entry(
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()),
      max_value_size);
}

}  // namespace sitecache
