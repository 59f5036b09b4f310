// Page front matter: the TOML table between '+++' lines, and a compact serialized form
// that the cache stores so a warm build learns a page's metadata without reading it.
#ifndef SITEGEN_FRONT_MATTER_HPP
#define SITEGEN_FRONT_MATTER_HPP

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sitegen {

struct FrontMatter {
  std::string title;
  std::string date;               // normalized UTC "YYYY-MM-DDTHH:MM:SSZ", "" when absent
  std::vector<std::string> tags;  // in the page's order, empty and repeated ones dropped
  std::string summary;
  bool draft = false;

  friend bool operator==(const FrontMatter&, const FrontMatter&) = default;
};

// Parses front matter TOML. Keys other than title, date, tags, summary and draft are
// ignored (as Hugo does). `date` may be a TOML date, date-time (an offset is converted to
// UTC; a local date-time is taken as UTC) or a string holding one. Throws
// std::runtime_error "SOURCE:LINE:COLUMN: what is wrong"; `first_line` is the file line of
// the TOML text's first line.
FrontMatter parse_front_matter(std::string_view toml_text, std::string_view source_name,
                               int first_line);

// Length-prefixed fields behind a format tag; decode returns nullopt for anything that
// is not exactly what encode produces.
std::string encode_front_matter(const FrontMatter& fm);
std::optional<FrontMatter> decode_front_matter(std::string_view data);

}  // namespace sitegen

#endif  // SITEGEN_FRONT_MATTER_HPP
