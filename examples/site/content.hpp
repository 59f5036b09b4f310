// The content folder: which source files exist, reading them, and splitting a page into
// its TOML front matter and its Markdown body.
#ifndef SITEGEN_CONTENT_HPP
#define SITEGEN_CONTENT_HPP

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace sitegen {

struct SourceFile {
  std::filesystem::path path;  // as found under the content folder
  std::string rel;             // relative to the content folder, '/'-separated: the slot
  std::string slug;            // URL segment: slugify(file stem)
};

// The posts: <content>/posts/*.md except _index.md, sorted by name (so the order never
// depends on the directory's). Throws std::runtime_error when the folder cannot be read.
std::vector<SourceFile> list_posts(const std::filesystem::path& content_dir);

// The whole file. Throws std::runtime_error naming the path.
std::string read_file(const std::filesystem::path& path);

struct Document {
  std::string_view front_matter;  // TOML text between the '+++' lines; empty when none
  std::string_view body;          // Markdown after the closing '+++' line
  int front_matter_line = 0;      // 1-based line of the first TOML line, for messages
};

// Splits at '+++' delimiter lines (a first line "+++" opens, the next "+++" line closes;
// "\r\n" endings are accepted). A page without an opening line is all body. Throws
// std::runtime_error when the front matter is never closed.
Document split_front_matter(std::string_view text, std::string_view source_name);

// Lowercase ASCII letters and digits, '-' and '_'; every other byte becomes '-'. Never
// empty, never "." or "..": safe as one path segment.
std::string slugify(std::string_view text);

}  // namespace sitegen

#endif  // SITEGEN_CONTENT_HPP
