#include "content.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <stdexcept>

namespace sitegen {
namespace fs = std::filesystem;

std::vector<SourceFile> list_posts(const fs::path& content_dir) {
  const fs::path dir = content_dir / "posts";
  std::error_code ec;
  fs::directory_iterator it(dir, ec);
  if (ec) throw std::runtime_error(dir.string() + ": " + ec.message());
  std::vector<SourceFile> posts;
  for (const fs::directory_entry& entry : it) {
    const fs::path& path = entry.path();
    if (path.extension() != ".md" || path.filename() == "_index.md") continue;
    if (!entry.is_regular_file(ec)) continue;
    posts.push_back(
        SourceFile{path, "posts/" + path.filename().string(), slugify(path.stem().string())});
  }
  std::sort(posts.begin(), posts.end(),
            [](const SourceFile& a, const SourceFile& b) { return a.rel < b.rel; });
  return posts;
}

std::string read_file(const fs::path& path) {
  std::unique_ptr<FILE, int (*)(FILE*)> file(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!file) throw std::runtime_error(path.string() + ": " + std::strerror(errno));
  std::string data;
  char buffer[64 * 1024];
  size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof buffer, file.get())) > 0) data.append(buffer, n);
  if (std::ferror(file.get())) throw std::runtime_error(path.string() + ": read error");
  return data;
}

namespace {

// The line starting at `pos` without its terminator, and where the next line starts.
std::pair<std::string_view, size_t> line_at(std::string_view text, size_t pos) {
  size_t end = text.find('\n', pos);
  size_t next = end == std::string_view::npos ? text.size() : end + 1;
  if (end == std::string_view::npos) end = text.size();
  std::string_view line = text.substr(pos, end - pos);
  if (line.ends_with('\r')) line.remove_suffix(1);
  return {line, next};
}

}  // namespace

Document split_front_matter(std::string_view text, std::string_view source_name) {
  Document doc;
  auto [first, pos] = line_at(text, 0);
  if (first != "+++") {
    doc.body = text;
    return doc;
  }
  const size_t start = pos;
  while (pos < text.size()) {
    auto [line, next] = line_at(text, pos);
    if (line == "+++") {
      doc.front_matter = text.substr(start, pos - start);
      doc.body = text.substr(next);
      doc.front_matter_line = 2;
      return doc;
    }
    pos = next;
  }
  throw std::runtime_error(std::string(source_name) +
                           ":1: the front matter opened with '+++' is never closed");
}

std::string slugify(std::string_view text) {
  std::string slug;
  slug.reserve(text.size());
  for (char c : text) {
    if (c >= 'A' && c <= 'Z') {
      slug += static_cast<char>(c - 'A' + 'a');
    } else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_') {
      slug += c;
    } else {
      slug += '-';
    }
  }
  if (slug.empty()) slug = "-";
  return slug;
}

}  // namespace sitegen
