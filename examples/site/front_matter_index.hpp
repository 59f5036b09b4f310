// The front matter of every page of a site in one cache entry, so that a warm build
// learns all pages' metadata with one cache read instead of one per page (10,000 reads of
// the front-matter step were a sixth of a warm 10,000-page build's CPU time).
//
// Each row holds a source's path, the digest of its bytes and its encoded front matter
// (encode_front_matter): a row is used only for a source that still has that digest, so
// the table can never give a page another version's metadata, whoever wrote it last.
// Sources without a usable row go through the front-matter step as before.
//
// Stored form (integers little-endian):
//   table := "SGFI" version:u8 count:u32 row[count]
//   row   := rel_len:u32 rel:byte[rel_len] digest:byte[16] fm_len:u32 fm:byte[fm_len]
// Anything else (short, another magic or version, trailing bytes) reads as an empty table.
// Version history:
//   1  the layout above.
#ifndef SITEGEN_FRONT_MATTER_INDEX_HPP
#define SITEGEN_FRONT_MATTER_INDEX_HPP

#include <optional>
#include <sitecache/sitecache.hpp>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace sitegen {

class FrontMatterIndex {
 public:
  struct Row {
    std::string rel;  // the source's path relative to the content folder
    sitecache::Digest digest;
    std::string encoded_fm;
  };

  // The table stored under `key`; empty when absent, unreadable or not in this format
  // (a cache failure costs only the per-page reads). Not thread-safe to build; find() may
  // then be called from any thread.
  static FrontMatterIndex load(sitecache::Cache& cache, std::string key);

  // The encoded front matter stored for `rel`, when its row has `digest`.
  std::optional<std::string_view> find(std::string_view rel, const sitecache::Digest& digest) const;

  // Stores `rows` (this build's sources, in any order) under the key, unless they are
  // exactly what was loaded. A failed store is ignored: the next build reads per page.
  void save(sitecache::Cache& cache, const std::vector<Row>& rows) const;

  static std::string encode(const std::vector<Row>& rows);
  // nullopt for anything encode() does not produce.
  static std::optional<std::vector<Row>> decode(std::string_view bytes);

 private:
  std::string key_;
  std::vector<Row> rows_;
  std::unordered_map<std::string_view, size_t> by_rel_;  // into rows_
};

}  // namespace sitegen

#endif  // SITEGEN_FRONT_MATTER_INDEX_HPP
