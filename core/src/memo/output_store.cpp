#include "memo/output_store.hpp"

#include "memo/output_files.hpp"

namespace sitecache {
namespace {

namespace fs = std::filesystem;

// Stores a blob entry under its content digest unless one is there: equal outputs of
// several steps are stored once. Blobs never expire by themselves; maintenance removes
// them when no entry references them.
Status store_blob(CacheImpl& impl, const Digest& digest, std::string_view entry) {
  if (impl.settings.read_only) return Status::ok();
  Result<Store*> store = impl.acquire_store();
  if (!store) return store.status();
  Result<bool> added = (*store)->add(impl.keys.blob(digest), entry, 0);
  if (!added) return added.status();
  if (*added) {
    impl.count(impl.counters.sets);
    impl.count(impl.counters.bytes_written, entry.size());
  }
  return Status::ok();
}

EntryMeta blob_meta() {
  EntryMeta meta;
  meta.created_ms = now_ms();
  meta.label = "blob";
  return meta;
}

// The blob entry of bytes already in memory.
std::string blob_entry(CacheImpl& impl, std::string_view content) {
  return encode_entry(blob_meta(), content, impl.compression());
}

// Writes one manifest output to `path` from its inline bytes or its blob.
Status write_from_manifest(CacheImpl& impl, const ManifestOutput& output, const fs::path& path) {
  if (output.storage == ManifestOutput::Storage::inline_bytes) {
    return write_output(path, output.mode, [&](int fd) { return write_bytes(fd, output.data); });
  }
  Result<Store*> store = impl.acquire_store();
  if (!store) return store.status();
  const std::string key = impl.keys.blob(output.digest);
  Status written = Status(StatusCode::corruption, "blob not delivered");
  // The bytes are valid only during the call: verify and stream them into the file here.
  Result<bool> found = (*store)->get_into(key, [&](std::span<const uint8_t> bytes) {
    // Streamed to the file in bounded steps, so not limited by max_value_size; but never
    // more than the manifest recorded for this output.
    Result<EntryView> entry = view_entry(bytes, output.size);
    if (!entry) {
      written = entry.status();
      return;
    }
    written = write_output(path, output.mode, [&](int fd) {
      return write_payload(fd, entry->payload, entry->meta.compressed, entry->meta.raw_size,
                           output.digest);
    });
  });
  if (!found) return found.status();
  if (!*found) return Status(StatusCode::not_found, "blob " + key + " is gone");
  if (written.code() == StatusCode::corruption && !impl.settings.read_only) {
    impl.count(impl.counters.corrupt);
    (void)(*store)->remove(key);
  }
  return written;
}

}  // namespace

Result<ManifestOutput> capture_content(CacheImpl& impl, const fs::path& path,
                                       std::string_view content, uint32_t mode) {
  ManifestOutput out;
  out.path = path.string();
  out.mode = mode;
  out.size = content.size();
  out.digest = hash_bytes(content);
  if (content.size() <= kInlineOutputLimit) {
    out.data = std::string(content);
    return out;
  }
  out.storage = ManifestOutput::Storage::blob;
  if (Status s = store_blob(impl, out.digest, blob_entry(impl, content)); !s) return s;
  return out;
}

Result<ManifestOutput> capture_output(CacheImpl& impl, const fs::path& path) {
  Result<FileSignature> signature = stat_output(path);
  if (!signature) {
    if (signature.status().code() == StatusCode::not_found) {
      return Status(StatusCode::not_found,
                    "declared output " + path.string() + " is missing after the run");
    }
    return signature.status();
  }
  ManifestOutput out;
  out.path = path.string();
  out.mode = signature->mode;
  out.size = signature->size;
  if (signature->size <= kInlineOutputLimit) {
    out.data.resize(signature->size);
    if (Status s = read_output(path, out.data.data(), signature->size); !s) return s;
    out.digest = hash_bytes(out.data);
    return out;
  }
  // Read once, straight into the blob entry's payload: a large output (an image) is not
  // copied again, and compressed only when a sample shows that it pays.
  out.storage = ManifestOutput::Storage::blob;
  EntryUnderConstruction entry = reserve_entry(blob_meta(), signature->size);
  char* payload = entry.bytes.data() + entry.payload_at;
  if (Status s = read_output(path, payload, signature->size); !s) return s;
  const std::span<const uint8_t> raw(reinterpret_cast<const uint8_t*>(payload), signature->size);
  out.digest = hash_bytes(raw);
  std::optional<std::string> compressed;
  if (impl.compression() == PayloadCompression::zstd) {
    compressed = encode_compressed_entry(blob_meta(), raw);
  }
  if (!compressed) seal_entry(entry, signature->size, PayloadCompression::none, signature->size);
  if (Status s = store_blob(impl, out.digest, compressed ? *compressed : entry.bytes); !s) {
    return s;
  }
  return out;
}

namespace {

// Whether `path` already holds `size` bytes with `digest` (through the stat cache, so an
// unchanged file is not read). An error other than a missing file is returned as such.
Result<bool> holds(const fs::path& path, uint64_t size, const Digest& digest) {
  Result<FileSignature> present = stat_output(path);
  if (!present && present.status().code() != StatusCode::not_found) return present.status();
  if (!present || present->size != size) return false;
  Result<Digest> found = FileHasher::shared().digest(path);
  return found && *found == digest;
}

}  // namespace

Status write_content(const fs::path& path, std::string_view content, const Digest& digest,
                     uint32_t mode, Freshen freshen, uint64_t& written) {
  Result<bool> same = holds(path, content.size(), digest);
  if (!same) return same.status();
  if (*same) return freshen == Freshen::yes ? freshen_output(path) : Status::ok();
  if (Status s = write_output(path, mode, [&](int fd) { return write_bytes(fd, content); }); !s) {
    return s;
  }
  FileHasher::shared().remember(path, digest);
  ++written;
  return Status::ok();
}

Status restore_outputs(CacheImpl& impl, const Manifest& manifest,
                       const std::vector<fs::path>& paths, Freshen freshen, uint64_t& written) {
  if (manifest.outputs.size() != paths.size()) {
    return Status(StatusCode::corruption, "stored outputs do not match the declared ones");
  }
  FileHasher& hasher = FileHasher::shared();
  for (size_t i = 0; i < paths.size(); ++i) {
    const ManifestOutput& output = manifest.outputs[i];
    Result<bool> same = holds(paths[i], output.size, output.digest);
    if (!same) return same.status();
    if (*same) {
      if (freshen == Freshen::yes) {
        if (Status s = freshen_output(paths[i]); !s) return s;
      }
      continue;
    }
    if (Status s = write_from_manifest(impl, output, paths[i]); !s) return s;
    hasher.remember(paths[i], output.digest);
    ++written;
  }
  return Status::ok();
}

Result<RecordedOutput> record_output(const fs::path& path, const Digest& digest) {
  Result<FileSignature> signature = stat_output(path);
  if (!signature) return signature.status();
  RecordedOutput out;
  out.path = path.string();
  out.digest = digest;
  out.size = signature->size;
  out.mtime_ns = signature->mtime_ns;
  out.inode = signature->inode;
  out.ctime_ns = signature->ctime_ns;
  out.mode = signature->mode;
  return out;
}

}  // namespace sitecache
