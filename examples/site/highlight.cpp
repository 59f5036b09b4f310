#include "highlight.hpp"

#include <srchilite/langmap.h>
#include <srchilite/settings.h>
#include <srchilite/sourcehighlight.h>
#include <srchilite/versions.h>

#include <filesystem>
#include <map>
#include <mutex>
#include <sstream>
#include <stdexcept>

namespace sitegen {
namespace {

// source-highlight's "html" output language: inline colors, no stylesheet needed.
constexpr const char* kOutputLang = "html.outlang";

bool plain_name(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-' || c == '+';
    if (!ok) return false;
  }
  return true;
}

// Drops the generator comment and swaps <pre><tt>...</tt></pre> for a wrapper that names
// the language; anything unexpected is kept as produced.
std::string wrap(std::string out, std::string_view language) {
  if (out.starts_with("<!--")) {
    size_t end = out.find("-->");
    if (end != std::string::npos) {
      end += 3;
      if (end < out.size() && out[end] == '\n') ++end;
      out.erase(0, end);
    }
  }
  constexpr std::string_view kOpen = "<pre><tt>";
  constexpr std::string_view kClose = "</tt></pre>\n";
  if (!out.starts_with(kOpen) || !out.ends_with(kClose)) return out;
  std::string html = "<pre class=\"highlight\" data-lang=\"";
  html += language;  // plain_name() checked: nothing to escape
  html += "\"><code>";
  html.append(out, kOpen.size(), out.size() - kOpen.size() - kClose.size());
  html += "</code></pre>\n";
  return html;
}

}  // namespace

struct Highlighter::Impl {
  std::mutex mutex;
  std::string data_dir;
  srchilite::LangMap lang_map;
  srchilite::SourceHighlight source_highlight{kOutputLang};
  std::map<std::string, std::optional<std::string>, std::less<>> resolved;
  std::string engine;

  Impl() : data_dir(srchilite::Settings::retrieveDataDir()), lang_map(data_dir, "lang.map") {
    lang_map.open();
    source_highlight.setDataDir(data_dir);
    source_highlight.setGenerateVersion(false);
    source_highlight.setGenerateEntireDoc(false);
    engine = srchilite::Versions::getCompleteVersion() + " " + kOutputLang + " " + data_dir;
  }
};

Highlighter::Highlighter() {
  try {
    impl_ = std::make_unique<Impl>();
  } catch (const std::exception& e) {
    throw std::runtime_error(std::string("source-highlight: ") + e.what());
  }
}

Highlighter::~Highlighter() = default;

std::optional<std::string> Highlighter::lang_file(std::string_view language) const {
  if (!plain_name(language)) return std::nullopt;
  std::lock_guard lock(impl_->mutex);
  if (auto it = impl_->resolved.find(language); it != impl_->resolved.end()) return it->second;
  std::optional<std::string> file;
  std::string mapped = impl_->lang_map.getMappedFileName(std::string(language));
  if (mapped.empty()) mapped = std::string(language) + ".lang";
  std::error_code ec;
  if (std::filesystem::is_regular_file(std::filesystem::path(impl_->data_dir) / mapped, ec)) {
    file = mapped;
  }
  impl_->resolved.emplace(std::string(language), file);
  return file;
}

std::string Highlighter::highlight(const std::string& lang_file, std::string_view language,
                                   std::string_view code) const {
  std::istringstream in{std::string(code)};
  std::ostringstream out;
  {
    std::lock_guard lock(impl_->mutex);
    impl_->source_highlight.highlight(in, out, lang_file);
  }
  return wrap(std::move(out).str(), language);
}

const std::string& Highlighter::engine() const {
  return impl_->engine;
}

}  // namespace sitegen
