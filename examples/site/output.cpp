#include "output.hpp"

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <functional>
#include <memory>
#include <stdexcept>

#include "content.hpp"

namespace sitegen {
namespace fs = std::filesystem;

namespace {

bool same_or_inside(const fs::path& inner, const fs::path& outer) {
  auto [o, i] = std::mismatch(outer.begin(), outer.end(), inner.begin(), inner.end());
  return o == outer.end();
}

fs::path resolved(const fs::path& p) {
  fs::path r = fs::weakly_canonical(fs::absolute(p));
  return r.has_filename() ? r : r.parent_path();
}

void write_atomically(const fs::path& path, std::string_view content) {
  const fs::path temp = path.string() + ".sitegen-tmp";
  {
    std::unique_ptr<FILE, int (*)(FILE*)> file(std::fopen(temp.c_str(), "wb"), &std::fclose);
    if (!file) throw std::runtime_error(temp.string() + ": " + std::strerror(errno));
    if (std::fwrite(content.data(), 1, content.size(), file.get()) != content.size() ||
        std::fflush(file.get()) != 0) {
      throw std::runtime_error(temp.string() + ": " + std::strerror(errno));
    }
  }
  std::error_code ec;
  fs::rename(temp, path, ec);
  if (ec) {
    fs::remove(temp, ec);
    throw std::runtime_error(path.string() + ": " + ec.message());
  }
}

// Calls visit(path, is_directory) for everything below `dir`, parents before children,
// with readdir's file type (no stat per entry unless the file system leaves it unknown):
// std::filesystem's iterator built a path object per entry, a sixth of a warm build's
// CPU time at 10,000 pages. A symbolic link is not a directory. Throws
// std::runtime_error naming a folder that cannot be read.
void walk(std::string& dir, const std::function<void(const std::string&, bool)>& visit) {
  std::unique_ptr<DIR, int (*)(DIR*)> handle(::opendir(dir.c_str()), &::closedir);
  if (!handle) throw std::runtime_error(dir + ": " + std::strerror(errno));
  const size_t length = dir.size();
  while (const dirent* entry = ::readdir(handle.get())) {
    const std::string_view name = entry->d_name;
    if (name == "." || name == "..") continue;
    dir.resize(length);
    dir += '/';
    dir += name;
    bool is_dir = entry->d_type == DT_DIR;
    if (entry->d_type == DT_UNKNOWN) {
      struct stat st {};
      is_dir = ::lstat(dir.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
    }
    visit(dir, is_dir);
    if (is_dir) walk(dir, visit);
  }
  dir.resize(length);
}

}  // namespace

OutputTree::OutputTree(fs::path root, const std::vector<fs::path>& keep,
                       sitecache::FileHasher* hasher)
    : root_(std::move(root)), hasher_(hasher) {
  const fs::path out = resolved(root_);
  for (const fs::path& k : keep) {
    if (same_or_inside(resolved(k), out)) {
      throw std::runtime_error("refusing to use " + root_.string() + " as the output folder: it " +
                               "contains " + k.string() + ", and sitegen removes what it did " +
                               "not produce there");
    }
  }
}

bool OutputTree::holds_exactly(const fs::path& path, std::string_view content) const {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode) ||
      static_cast<uint64_t>(st.st_size) != content.size()) {
    return false;
  }
  if (hasher_) {
    // An unchanged file answers from the stat cache without being read; the digest
    // comparison costs one pass over `content` in memory.
    sitecache::Result<sitecache::Digest> digest = hasher_->digest(path);
    return digest.is_ok() && *digest == sitecache::hash_bytes(content);
  }
  try {
    return read_file(path) == content;
  } catch (const std::runtime_error&) {
    return false;
  }
}

fs::path OutputTree::claim(const std::string& rel) {
  {
    std::lock_guard lock(mutex_);
    if (!produced_.insert(rel).second) throw std::logic_error("two pages write " + rel);
  }
  return root_ / rel;
}

void OutputTree::write(const std::string& rel, std::string_view content) {
  const fs::path path = claim(rel);
  if (holds_exactly(path, content)) return;
  fs::create_directories(path.parent_path());
  write_atomically(path, content);
  ++written_;
}

size_t OutputTree::produced() const {
  std::lock_guard lock(mutex_);
  return produced_.size();
}

size_t OutputTree::remove_stale() {
  std::error_code ec;
  if (!fs::exists(root_, ec)) return 0;
  std::vector<fs::path> stale;
  std::vector<fs::path> folders;  // that may be empty once the stale files are gone
  {
    std::lock_guard lock(mutex_);
    // A folder holding a produced file stays; only the others are checked for emptiness,
    // so the common case (nothing stale) walks the tree once and opens no folder twice.
    std::set<std::string, std::less<>> kept;
    for (const std::string& rel : produced_) {
      for (size_t slash = rel.find('/'); slash != std::string::npos;
           slash = rel.find('/', slash + 1)) {
        kept.insert(rel.substr(0, slash));
      }
    }
    // Every path walk() yields starts with root + '/'.
    std::string root = root_.native();
    while (root.size() > 1 && root.back() == '/') root.pop_back();
    const size_t prefix = root.size() + 1;
    walk(root, [&](const std::string& path, bool is_dir) {
      const std::string_view rel = std::string_view(path).substr(prefix);
      if (is_dir) {
        if (!kept.contains(rel)) folders.emplace_back(path);
      } else if (!produced_.contains(rel)) {
        stale.emplace_back(path);
      }
    });
  }
  for (const fs::path& path : stale) fs::remove(path);
  // Deepest first, so a folder emptied by its children's removal goes too.
  std::sort(folders.begin(), folders.end(), [](const fs::path& a, const fs::path& b) {
    return a.native().size() > b.native().size();
  });
  for (const fs::path& folder : folders) {
    if (fs::is_empty(folder, ec)) fs::remove(folder, ec);
  }
  return stale.size();
}

}  // namespace sitegen
