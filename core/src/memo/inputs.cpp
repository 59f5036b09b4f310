// Inputs: named, typed digests of what a render step reads.
#include "sitecache/memoize.hpp"

namespace sitecache {

Inputs& Inputs::add(std::string_view name, const Digest& typed_digest) {
  entries_.push_back(Named{std::string(name), typed_digest});
  return *this;
}

Inputs& Inputs::text(std::string_view name, std::string_view value) {
  return add(name, KeyBuilder("sitecache.input", 1).add_string(value).finish());
}

Inputs& Inputs::bytes(std::string_view name, std::span<const uint8_t> value) {
  return add(name, KeyBuilder("sitecache.input", 1).add_bytes(value).finish());
}

Inputs& Inputs::integer(std::string_view name, int64_t value) {
  return add(name, KeyBuilder("sitecache.input", 1).add_int(value).finish());
}

Inputs& Inputs::digest(std::string_view name, const Digest& value) {
  return add(name, KeyBuilder("sitecache.input", 1).add_digest(value).finish());
}

Inputs& Inputs::file(std::string_view name, const std::filesystem::path& path, FileHasher& hasher) {
  Result<Digest> content = hasher.digest(path);
  if (!content) {
    if (status_.is_ok()) status_ = content.status();
    return *this;
  }
  return add(name, KeyBuilder("sitecache.input", 1).add_file_digest(*content).finish());
}

Digest step_key(const Step& step, const Inputs& inputs) {
  KeyBuilder key(step.name, step.version);
  key.begin_list(inputs.entries().size());
  for (const auto& input : inputs.entries()) {
    key.add_string(input.name);
    key.add_digest(input.digest);
  }
  key.end_list();
  return key.finish();
}

}  // namespace sitecache
