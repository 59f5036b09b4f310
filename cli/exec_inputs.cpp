#include "exec_inputs.hpp"

#include <glob.h>

#include <algorithm>
#include <cstdlib>
#include <set>

#include "common.hpp"

namespace sitecache::cli {
namespace {

namespace fs = std::filesystem;

bool has_glob_magic(const std::string& pattern) {
  return pattern.find_first_of("*?[") != std::string::npos;
}

// Adds `path` (a file, or every regular file under a directory) to `out`.
void add_path(const fs::path& path, std::set<fs::path>& out) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    for (fs::recursive_directory_iterator it(path, ec), end; !ec && it != end; it.increment(ec)) {
      if (it->is_regular_file(ec)) out.insert(it->path());
    }
    if (ec) fail("cannot read directory " + path.string() + ": " + ec.message());
    return;
  }
  if (!fs::exists(path, ec)) usage_error("--in " + path.string() + ": no such file or directory");
  out.insert(path);
}

}  // namespace

BaseDir::BaseDir(fs::path base) : base_(std::move(base)) {}

std::string BaseDir::keyed(const std::string& text) const {
  if (text.empty() || text.front() != '/' || base_.empty()) return text;
  const fs::path path = fs::path(text).lexically_normal();
  auto [b, p] = std::mismatch(base_.begin(), base_.end(), path.begin(), path.end());
  if (b != base_.end()) return text;
  return "{base}/" + path.lexically_relative(base_).generic_string();
}

ExpandedInputs expand_inputs(const std::vector<std::string>& patterns) {
  ExpandedInputs expanded;
  std::set<fs::path> files;
  for (const std::string& pattern : patterns) {
    if (!has_glob_magic(pattern)) {
      add_path(pattern, files);
      continue;
    }
    glob_t matches{};
    const int rc = ::glob(pattern.c_str(), GLOB_ERR, nullptr, &matches);
    if (rc == GLOB_NOMATCH) {
      expanded.empty_patterns.push_back(pattern);
    } else if (rc != 0) {
      ::globfree(&matches);
      fail("--in '" + pattern + "': cannot expand the pattern");
    } else {
      for (size_t i = 0; i < matches.gl_pathc; ++i) add_path(matches.gl_pathv[i], files);
    }
    ::globfree(&matches);
  }
  expanded.files.assign(files.begin(), files.end());
  return expanded;
}

bool is_env_name(const std::string& name) {
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name.front()))) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
  });
}

Inputs exec_inputs(const ExecKey& key, const BaseDir& base, FileHasher& hasher) {
  Inputs inputs;
  std::vector<std::string> argv;
  for (const std::string& arg : key.argv) argv.push_back(base.keyed(arg));
  inputs.value("argv", argv);
  inputs.file("executable", key.executable, hasher);
  std::error_code ec;
  inputs.text("cwd", base.keyed(fs::current_path(ec).string()));
  for (const fs::path& file : key.inputs) {
    std::error_code absolute_ec;
    const fs::path absolute = fs::absolute(file, absolute_ec).lexically_normal();
    inputs.file("in:" + base.keyed(absolute.string()), file, hasher);
  }
  for (const std::string& name : key.env) {
    const char* value = std::getenv(name.c_str());
    // An unset variable and an empty one differ.
    inputs.value("env:" + name, value ? std::optional<std::string>(value) : std::nullopt);
  }
  if (key.stdin_bytes) {
    inputs.bytes("stdin",
                 std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(key.stdin_bytes->data()),
                                          key.stdin_bytes->size()));
  }
  return inputs;
}

}  // namespace sitecache::cli
