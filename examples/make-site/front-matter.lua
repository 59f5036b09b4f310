-- A pandoc reader for Markdown pages with Hugo-style TOML front matter:
--
--   +++
--   title = "A page"
--   tags = ["a", "b"]
--   +++
--   The page's Markdown.
--
-- The front matter's string values (title, summary, date, ...) become document metadata,
-- so a template can use $title$; the rest is read as pandoc's Markdown. A page without
-- front matter is read as plain Markdown. Use: pandoc --from front-matter.lua PAGE.md
function Reader(input, options)
  local text = tostring(input)
  local front, body = text:match("^%+%+%+\r?\n(.-)\r?\n%+%+%+\r?\n(.*)$")
  local doc = pandoc.read(body or text, "markdown", options)
  if front then
    for key, value in front:gmatch('([%w_]+)%s*=%s*"([^"\n]*)"') do
      doc.meta[key] = pandoc.MetaString(value)
    end
  end
  return doc
end
