// UTF-8 well-formedness, for writers that must not pass malformed text on (JSON records,
// terminal output).
#ifndef SITECACHE_BASE_UTF8_HPP
#define SITECACHE_BASE_UTF8_HPP

#include <cstddef>
#include <string_view>

namespace sitecache {

// The length of the well-formed UTF-8 sequence `text` starts with (a lead byte >= 0x80),
// 0 when it is not one (RFC 3629: no overlongs, surrogates or code points > U+10FFFF).
size_t utf8_sequence_length(std::string_view text);

}  // namespace sitecache

#endif  // SITECACHE_BASE_UTF8_HPP
