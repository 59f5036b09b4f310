"""The sitecache MkDocs plugin: per-page render caching across builds.

Enable it in mkdocs.yml::

    plugins:
      - search
      - sitecache

MkDocs renders every page on every build. With the plugin, a page whose inputs did not
change is served from the cache at two levels:

* the Markdown render (``Page.render``: HTML, table of contents, and what else the
  render sets), keyed by the page's final Markdown, the Markdown extensions and their
  configuration, the MkDocs and plugin versions, the page's location and the answers
  of every link lookup the render made (step ``mkdocs.markdown``);
* the whole page output (the theme template's render), keyed in addition by the
  theme's files, the navigation, the file set, the configuration and everything on the
  page and in the template context (step ``mkdocs.page``). Used only when every
  configured plugin is known to be safe with it; otherwise the plugin says once why it
  falls back to Markdown caching.

Every other event runs as without the plugin, so the search index, the sitemap and
other plugins see exactly what they would see uncached. Builds are recorded as build
sessions: ``sitecache stats``, ``sitecache explain page.md`` (the path below docs_dir) and
``sitecache clear --stale`` work on the MkDocs cache. docs/python.md has the options.

Modules: plugin (the events), options (mkdocs.yml options), safety (which plugins and
extensions are known safe), fingerprint (MkDocs objects as key values), site (the
site-wide state a page reads), markdown_step and page_step (the two cached steps).
"""
