// Syntax highlighting of code blocks with GNU source-highlight (HTML output).
#ifndef SITEGEN_HIGHLIGHT_HPP
#define SITEGEN_HIGHLIGHT_HPP

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace sitegen {

// Thread-safe. Calls into source-highlight are serialized: the library keeps process-wide
// caches (language definitions, its flex/bison parsers) that are not safe to share.
class Highlighter {
 public:
  // Uses source-highlight's data directory ($SOURCE_HIGHLIGHT_DATADIR or the built-in
  // one). Throws std::runtime_error when its lang.map cannot be read.
  Highlighter();
  ~Highlighter();
  Highlighter(const Highlighter&) = delete;
  Highlighter& operator=(const Highlighter&) = delete;

  // The language definition for a fence language: lang.map's entry, else "<language>.lang"
  // when the data directory has it; nullopt for unknown or malformed names.
  std::optional<std::string> lang_file(std::string_view language) const;

  // <pre class="highlight" data-lang="LANGUAGE"><code>...</code></pre>. Deterministic.
  // Throws when the language definition is broken.
  std::string highlight(const std::string& lang_file, std::string_view language,
                        std::string_view code) const;

  // Version of the library and data directory: part of every key whose output embeds
  // highlighted code.
  const std::string& engine() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sitegen

#endif  // SITEGEN_HIGHLIGHT_HPP
