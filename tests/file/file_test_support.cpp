#include "file_test_support.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>

namespace sitecache::file_test {
namespace {

struct ErrorBuffer {
  char text[512] = {0};
  sc_error error{text, sizeof(text)};
};

bool is_hex_name(const std::string& name) {
  return name.size() == 32 && std::all_of(name.begin(), name.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

std::vector<fs::path> files_where(const fs::path& location, bool (*wanted)(const std::string&)) {
  std::vector<fs::path> found;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(location, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_regular_file() && !it->is_symlink() && wanted(it->path().filename().string())) {
      found.push_back(it->path());
    }
  }
  std::sort(found.begin(), found.end());
  return found;
}

}  // namespace

ScratchDir::ScratchDir() {
  std::string pattern = (fs::temp_directory_path() / "sitecache-file-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = pattern;
}

ScratchDir::~ScratchDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);  // remove_all does not follow symlinks
}

std::unique_ptr<AbiClient> open_cache(const fs::path& location, const OptionMap& extra) {
  OptionMap options = extra;
  options.emplace("location", location.string());
  return std::make_unique<AbiClient>(FILE_PLUGIN_PATH, options);
}

sc_status touch(AbiClient& client, const std::string& key, int64_t ttl_ms) {
  ErrorBuffer e;
  return client.plugin().touch(client.handle(), key.data(), key.size(), ttl_ms, &e.error);
}

sc_status add(AbiClient& client, const std::string& key, const std::string& value, int64_t ttl_ms,
              bool& stored, std::string* error) {
  ErrorBuffer e;
  int was_stored = 0;
  sc_status status = client.plugin().add(client.handle(), key.data(), key.size(),
                                         reinterpret_cast<const uint8_t*>(value.data()),
                                         value.size(), ttl_ms, &was_stored, &e.error);
  stored = was_stored != 0;
  if (error) *error = e.text;
  return status;
}

sc_status clear(AbiClient& client, const std::string& prefix) {
  ErrorBuffer e;
  return client.plugin().clear(client.handle(), prefix.data(), prefix.size(), &e.error);
}

sc_status set_many(AbiClient& client, const std::vector<std::pair<std::string, std::string>>& items,
                   int64_t ttl_ms) {
  std::vector<sc_item> raw;
  for (const auto& [key, value] : items) {
    raw.push_back({key.data(), key.size(), reinterpret_cast<const uint8_t*>(value.data()),
                   value.size(), ttl_ms});
  }
  ErrorBuffer e;
  return client.plugin().set_many(client.handle(), raw.data(), raw.size(), &e.error);
}

std::map<size_t, std::string> get_many(AbiClient& client, const std::vector<std::string>& keys,
                                       sc_status* status) {
  std::vector<sc_key> raw;
  for (const auto& key : keys) raw.push_back({key.data(), key.size()});
  std::map<size_t, std::string> found;
  ErrorBuffer e;
  sc_status result = client.plugin().get_many(
      client.handle(), raw.data(), raw.size(),
      [](void* context, size_t index, const uint8_t* data, size_t size) {
        (*static_cast<std::map<size_t, std::string>*>(context))[index] =
            std::string(reinterpret_cast<const char*>(data), size);
      },
      &found, &e.error);
  if (status) *status = result;
  return found;
}

ScanPage scan_once(AbiClient& client, const std::string& prefix, uint64_t cursor, size_t batch,
                   uint32_t flags, size_t stop_after) {
  struct Context {
    ScanPage* page;
    size_t stop_after;
  };
  ScanPage page;
  page.cursor = cursor;
  Context context{&page, stop_after};
  ErrorBuffer e;
  page.status = client.plugin().scan(
      client.handle(), prefix.data(), prefix.size(), &page.cursor, batch, flags,
      [](void* raw, const sc_scan_item* item) {
        auto* ctx = static_cast<Context*>(raw);
        Scanned scanned;
        scanned.key.assign(item->key, item->key_size);
        if (item->value) {
          scanned.value = std::string(reinterpret_cast<const char*>(item->value),
                                      static_cast<size_t>(item->value_size));
        }
        scanned.value_size = item->value_size;
        scanned.expires_ms = item->expires_ms;
        scanned.last_access_ms = item->last_access_ms;
        ctx->page->items.push_back(std::move(scanned));
        return ctx->stop_after > 0 && ctx->page->items.size() >= ctx->stop_after ? 1 : 0;
      },
      &context, &e.error);
  return page;
}

std::vector<Scanned> scan_all(AbiClient& client, const std::string& prefix, size_t batch,
                              uint32_t flags, int* calls) {
  std::vector<Scanned> all;
  uint64_t cursor = 0;
  int count = 0;
  do {
    ScanPage page = scan_once(client, prefix, cursor, batch, flags);
    ++count;
    EXPECT_EQ(page.status, SC_OK);
    if (page.status != SC_OK || count > 100000) break;
    std::move(page.items.begin(), page.items.end(), std::back_inserter(all));
    cursor = page.cursor;
  } while (cursor != 0);
  if (calls) *calls = count;
  return all;
}

std::vector<fs::path> entry_files(const fs::path& location) {
  return files_where(location, &is_hex_name);
}

std::vector<fs::path> temp_files(const fs::path& location) {
  return files_where(location, [](const std::string& name) { return name.starts_with(".tmp."); });
}

void set_age(const fs::path& path, double age_seconds) {
  struct timespec now {};
  clock_gettime(CLOCK_REALTIME, &now);
  auto back_ns = static_cast<int64_t>(age_seconds * 1e9);
  int64_t ns = static_cast<int64_t>(now.tv_sec) * 1000000000 + now.tv_nsec - back_ns;
  struct timespec then {
    static_cast<time_t>(ns / 1000000000), static_cast<long>(ns % 1000000000)
  };
  struct timespec times[2] = {then, then};
  ASSERT_EQ(utimensat(AT_FDCWD, path.c_str(), times, AT_SYMLINK_NOFOLLOW), 0) << path;
}

fs::path new_entry_file(const fs::path& location, const std::vector<fs::path>& before) {
  std::vector<fs::path> after = entry_files(location);
  std::vector<fs::path> added;
  std::set_difference(after.begin(), after.end(), before.begin(), before.end(),
                      std::back_inserter(added));
  EXPECT_EQ(added.size(), 1u);
  return added.empty() ? fs::path() : added.front();
}

mode_t mode_of(const fs::path& path) {
  struct stat st {};
  EXPECT_EQ(lstat(path.c_str(), &st), 0) << path;
  return st.st_mode & 0777;
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

void write_file(const fs::path& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
}

std::string binary_value(size_t size, uint64_t seed) {
  std::string value(size, '\0');
  uint64_t state = seed * 0x9E3779B97F4A7C15ull + 1;
  for (size_t i = 0; i < size; i += sizeof(state)) {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    std::memcpy(value.data() + i, &state, std::min(sizeof(state), size - i));
  }
  return value;
}

}  // namespace sitecache::file_test
