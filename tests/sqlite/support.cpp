#include "support.hpp"

#include <sqlite3.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace sitecache::sqlite_test {

namespace fs = std::filesystem;

void SqliteTest::SetUp() {
  const char* tmp = std::getenv("TMPDIR");
  std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/sitecache-sqlite-XXXXXX";
  ASSERT_NE(mkdtemp(pattern.data()), nullptr) << std::strerror(errno);
  dir_ = pattern;
}

void SqliteTest::TearDown() {
  if (dir_.empty()) return;
  std::error_code error;
  // Tests may leave read-only directories behind.
  for (const auto& entry : fs::recursive_directory_iterator(dir_, error)) {
    if (entry.is_directory(error)) fs::permissions(entry.path(), fs::perms::owner_all, error);
  }
  fs::remove_all(dir_, error);
}

Options SqliteTest::options(Options extra) const {
  extra.emplace("location", path("cache.db"));
  return extra;
}

std::unique_ptr<AbiClient> SqliteTest::open(const Options& options) const {
  return std::make_unique<AbiClient>(SQLITE_PLUGIN_PATH, options);
}

sc_error* Calls::err() {
  text_[0] = '\0';
  error_ = {text_, sizeof(text_)};
  return &error_;
}

sc_status Calls::add(const std::string& key, const std::string& value, int64_t ttl_ms,
                     bool& stored) {
  int flag = -1;
  sc_status status = client_.plugin().add(client_.handle(), key.data(), key.size(),
                                          reinterpret_cast<const uint8_t*>(value.data()),
                                          value.size(), ttl_ms, &flag, err());
  stored = flag == 1;
  return status;
}

sc_status Calls::touch(const std::string& key, int64_t ttl_ms) {
  return client_.plugin().touch(client_.handle(), key.data(), key.size(), ttl_ms, err());
}

sc_status Calls::clear(const std::string& prefix) {
  return client_.plugin().clear(client_.handle(), prefix.data(), prefix.size(), err());
}

sc_status Calls::set_many(const std::vector<std::tuple<std::string, std::string, int64_t>>& items) {
  std::vector<sc_item> raw;
  for (const auto& [key, value, ttl] : items) {
    raw.push_back(sc_item{key.data(), key.size(), reinterpret_cast<const uint8_t*>(value.data()),
                          value.size(), ttl});
  }
  return client_.plugin().set_many(client_.handle(), raw.data(), raw.size(), err());
}

std::map<size_t, std::string> Calls::get_many(const std::vector<std::string>& keys,
                                              sc_status& status) {
  std::vector<sc_key> raw;
  for (const auto& key : keys) raw.push_back(sc_key{key.data(), key.size()});
  std::map<size_t, std::string> found;
  status = client_.plugin().get_many(
      client_.handle(), raw.data(), raw.size(),
      [](void* context, size_t index, const uint8_t* data, size_t size) {
        auto* map = static_cast<std::map<size_t, std::string>*>(context);
        (*map)[index] = std::string(reinterpret_cast<const char*>(data), size);
      },
      &found, err());
  return found;
}

sc_status Calls::scan_once(const std::string& prefix, uint64_t& cursor, size_t batch,
                           uint32_t flags, size_t stop_after, std::vector<Seen>& out) {
  struct Context {
    std::vector<Seen>* out;
    size_t seen;
    size_t stop_after;
  } context{&out, 0, stop_after};
  return client_.plugin().scan(
      client_.handle(), prefix.data(), prefix.size(), &cursor, batch, flags,
      [](void* raw, const sc_scan_item* item) {
        auto* c = static_cast<Context*>(raw);
        Seen seen;
        seen.key.assign(item->key, item->key_size);
        if (item->value != nullptr) {
          seen.value.emplace(reinterpret_cast<const char*>(item->value),
                             static_cast<size_t>(item->value_size));
        }
        seen.value_size = item->value_size;
        seen.expires_ms = item->expires_ms;
        c->out->push_back(std::move(seen));
        return (c->stop_after != 0 && ++c->seen >= c->stop_after) ? 1 : 0;
      },
      &context, err());
}

sc_status Calls::scan_all(const std::string& prefix, size_t batch, uint32_t flags,
                          std::vector<Seen>& out, int* calls) {
  uint64_t cursor = 0;
  sc_status status = SC_OK;
  int made = 0;
  do {
    status = scan_once(prefix, cursor, batch, flags, 0, out);
    ++made;
  } while (status == SC_OK && cursor != 0);
  if (calls != nullptr) *calls = made;
  return status;
}

std::string raw_sql(const std::string& db_path, const std::string& sql) {
  sqlite3* db = nullptr;
  std::string result;
  int rc =
      sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  sqlite3_stmt* statement = nullptr;
  if (rc == SQLITE_OK) rc = sqlite3_prepare_v2(db, sql.c_str(), -1, &statement, nullptr);
  while (rc == SQLITE_OK || rc == SQLITE_ROW) {
    rc = sqlite3_step(statement);
    if (rc == SQLITE_ROW && result.empty() && sqlite3_column_text(statement, 0) != nullptr) {
      result = reinterpret_cast<const char*>(sqlite3_column_text(statement, 0));
    }
  }
  EXPECT_EQ(rc, SQLITE_DONE) << sql << ": " << sqlite3_errmsg(db);
  sqlite3_finalize(statement);
  sqlite3_close(db);
  return result;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  ASSERT_TRUE(out.good()) << path;
}

std::vector<std::string> files_starting_with(const std::string& dir, const std::string& prefix) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir)) {
    std::string name = entry.path().filename().string();
    if (name.starts_with(prefix)) names.push_back(name);
  }
  return names;
}

namespace {

constexpr size_t kHeader = 16;

uint32_t fnv1a(const char* data, size_t size) {
  uint32_t hash = 2166136261u;
  for (size_t i = 0; i < size; ++i) {
    hash = (hash ^ static_cast<unsigned char>(data[i])) * 16777619u;
  }
  return hash;
}

void put32(std::string& out, size_t at, uint32_t value) {
  std::memcpy(&out[at], &value, 4);
}
uint32_t get32(const std::string& in, size_t at) {
  uint32_t value = 0;
  std::memcpy(&value, &in[at], 4);
  return value;
}

std::string payload(uint32_t writer, uint32_t sequence, size_t size) {
  std::string bytes(size, '\0');
  uint64_t state = (uint64_t{writer} << 32 | sequence) * 0x9E3779B97F4A7C15ull + 1;
  for (char& c : bytes) {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    c = static_cast<char>(state);
  }
  return bytes;
}

}  // namespace

std::string encode_value(uint32_t writer, uint32_t sequence, size_t payload_size) {
  std::string value(kHeader, '\0');
  put32(value, 0, writer);
  put32(value, 4, sequence);
  put32(value, 8, static_cast<uint32_t>(payload_size));
  value += payload(writer, sequence, payload_size);
  put32(value, 12, fnv1a(value.data() + kHeader, payload_size) ^ writer ^ sequence);
  return value;
}

bool valid_value(const std::string& value) {
  if (value.size() < kHeader) return false;
  uint32_t writer = get32(value, 0);
  uint32_t sequence = get32(value, 4);
  uint32_t size = get32(value, 8);
  if (value.size() != kHeader + size) return false;
  return value == encode_value(writer, sequence, size);
}

}  // namespace sitecache::sqlite_test
