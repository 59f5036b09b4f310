// Markdown to HTML with cmark (CommonMark, safe mode: raw HTML is omitted and dangerous
// URLs are dropped), with a hook that may replace fenced code blocks.
#ifndef SITEGEN_MARKDOWN_HPP
#define SITEGEN_MARKDOWN_HPP

#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace sitegen {

// Called for each fenced code block whose info string names a language (its first word)
// with the block's text; returns the HTML to emit instead, or nullopt to let cmark render
// the block as escaped <pre><code>.
using CodeBlockRenderer =
    std::function<std::optional<std::string>(std::string_view language, std::string_view code)>;

// Deterministic: the same input and hook outputs give the same bytes. Thread-safe.
std::string render_markdown(std::string_view markdown, const CodeBlockRenderer& code_blocks);

// "cmark <version>": part of the key of every output that embeds rendered Markdown.
std::string markdown_engine();

}  // namespace sitegen

#endif  // SITEGEN_MARKDOWN_HPP
