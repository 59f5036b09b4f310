#include "markdown.hpp"

#include <cmark.h>

#include <cstdlib>
#include <memory>
#include <vector>

namespace sitegen {
namespace {

struct NodeFree {
  void operator()(cmark_node* node) const { cmark_node_free(node); }
};
struct IterFree {
  void operator()(cmark_iter* iter) const { cmark_iter_free(iter); }
};

}  // namespace

std::string render_markdown(std::string_view markdown, const CodeBlockRenderer& code_blocks) {
  std::unique_ptr<cmark_node, NodeFree> doc(
      cmark_parse_document(markdown.data(), markdown.size(), CMARK_OPT_DEFAULT));

  // Collected first: replacing nodes while iterating would free the iterator's position.
  std::vector<cmark_node*> fenced;
  {
    std::unique_ptr<cmark_iter, IterFree> iter(cmark_iter_new(doc.get()));
    for (cmark_event_type ev; (ev = cmark_iter_next(iter.get())) != CMARK_EVENT_DONE;) {
      cmark_node* node = cmark_iter_get_node(iter.get());
      // Only fenced blocks have an info string; indented ones are left to cmark below.
      if (ev == CMARK_EVENT_ENTER && cmark_node_get_type(node) == CMARK_NODE_CODE_BLOCK) {
        fenced.push_back(node);
      }
    }
  }

  for (cmark_node* node : fenced) {
    std::string_view info = cmark_node_get_fence_info(node);
    const size_t end = info.find_first_of(" \t");
    std::string_view language = info.substr(0, end);
    if (language.empty()) continue;
    std::optional<std::string> html = code_blocks(language, cmark_node_get_literal(node));
    if (!html) continue;
    // A custom block is emitted verbatim by the HTML renderer, also in safe mode, so the
    // highlighter's markup survives while raw HTML from the page does not.
    cmark_node* custom = cmark_node_new(CMARK_NODE_CUSTOM_BLOCK);
    cmark_node_set_on_enter(custom, html->c_str());
    cmark_node_replace(node, custom);
    cmark_node_free(node);
  }

  char* rendered = cmark_render_html(doc.get(), CMARK_OPT_DEFAULT);
  std::string html(rendered);
  std::free(rendered);
  return html;
}

std::string markdown_engine() {
  return std::string("cmark ") + cmark_version_string();
}

}  // namespace sitegen
