// Site settings (site.toml): what every page may show, so part of every page's key.
//
//   title = "My site"
//   base_url = "https://example.org/"   # absolute links in the feed
//   language = "en-us"
//   index_size = 20                     # posts on the home page
//   feed_size = 20                      # items in index.xml
#ifndef SITEGEN_SITE_CONFIG_HPP
#define SITEGEN_SITE_CONFIG_HPP

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

namespace sitegen {

struct SiteConfig {
  std::string title = "Synthetic Bench Site";
  std::string base_url = "https://example.org/";  // always ends with '/'
  std::string language = "en-us";
  int64_t index_size = 20;
  int64_t feed_size = 20;

  // Every field, unambiguously: the cache input that stands for the site settings.
  std::string canonical() const;
};

// Reads `explicit_path`, else site.toml in the folder holding `content_dir` when it
// exists, else the defaults. Unknown keys and wrong types are errors: throws
// std::runtime_error "FILE:LINE:COLUMN: what is wrong".
SiteConfig load_site_config(const std::optional<std::filesystem::path>& explicit_path,
                            const std::filesystem::path& content_dir);

}  // namespace sitegen

#endif  // SITEGEN_SITE_CONFIG_HPP
