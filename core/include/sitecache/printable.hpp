// Text from outside (keys, labels, slots, tags, file names, a plugin's or a server's error
// message) made safe to show on a terminal.
//
// A key such as "ESC ] 0 ; title BEL ESC [ 2 J" printed raw retitles the window and clears
// the screen; a lone byte 0x9b is a control sequence introducer to some terminals. Every
// human-readable line sitecache prints passes through printable(); JSON output escapes by
// its own rules.
#ifndef SITECACHE_PRINTABLE_HPP
#define SITECACHE_PRINTABLE_HPP

#include <string>
#include <string_view>

#include "sitecache/export.hpp"

namespace sitecache {

enum class LineBreaks {
  escape,  // "\n" too: a field (a table cell, a quoted key) stays on its line
  keep,    // a message of several lines keeps them
};

// `text` with every byte a terminal could act on written out instead:
//   - C0 controls and DEL: \t, \n, \r, else \xNN ("\x1b" for ESC);
//   - C1 controls (U+0080 to U+009F) as \u0080 to \u009f;
//   - bytes that are not well-formed UTF-8 as \xNN, so the result is always valid UTF-8;
// everything else, a backslash included, is copied. For reading, not for parsing back.
SITECACHE_EXPORT std::string printable(std::string_view text,
                                       LineBreaks line_breaks = LineBreaks::escape);

}  // namespace sitecache

#endif  // SITECACHE_PRINTABLE_HPP
