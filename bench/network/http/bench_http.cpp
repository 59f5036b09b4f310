// The http plugin on a loopback nginx against plain load drivers on the same server, side
// by side in one run: wrk and ab (keep-alive, C connections) and the plugin through its C
// ABI (get_many / set_many with parallel = C, one call per batch of keys). wrk requests
// the same 1024 files as the plugin, in turn (Lua scripts), so the server's work is the
// same; ab can only repeat one URL, whose file stays hot in the server's CPU caches,
// which favours it for 28 KiB values.
//
//   bench_http [--rounds N] [--seconds S] [--connections C] [--batch B]
//
// Starts its own nginx (tests/http/nginx_server.hpp, access log off, its files under
// $TMPDIR or else /dev/shm), stores 1 KiB and
// 28 KiB values, then per round measures, back to back so that each comparison sees the
// same machine load: GET 1 KiB, GET 28 KiB, PUT 1 KiB, and GET 1 KiB over one connection
// (plugin: get, one request per call). Prints medians over the rounds in requests per
// second and the plugin's ratio to each driver's rate. Runs wrk and ab from PATH; a
// missing driver's column says n/a.
//
// A third driver is plain libcurl: one multi handle keeping C easy handles busy on the
// same URLs, discarding the bodies. It is the floor for any libcurl client, so the
// plugin's ratio to it is its own overhead (keys, URLs, buffers, the ABI), apart from
// libcurl's.
//
// Drivers and plugin run one thread each (wrk -t 1), beside one nginx process.
#include <curl/curl.h>
#include <dlfcn.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "nginx_server.hpp"
#include "sitecache/plugin.h"

namespace {

using sitecache::testing::NginxAccessLog;
using sitecache::testing::NginxServer;
using sitecache::testing::NginxTls;
using sitecache::testing::program_exists;

struct Settings {
  int rounds = 3;
  int seconds = 2;
  int connections = 16;
  size_t batch = 256;
  size_t keys = 1024;
};

// One handle of the plugin, called through the C ABI as the host calls it.
class Plugin {
 public:
  Plugin(const std::map<std::string, std::string>& options) {
    void* lib = dlopen(HTTP_PLUGIN_PATH, RTLD_NOW | RTLD_LOCAL);
    if (lib == nullptr) throw std::runtime_error(dlerror());
    api_ = reinterpret_cast<sc_plugin_entry_fn>(dlsym(lib, SC_PLUGIN_ENTRY_SYMBOL))();
    std::vector<sc_option> raw;
    for (const auto& [k, v] : options) raw.push_back({k.c_str(), v.c_str()});
    if (api_->create(raw.data(), raw.size(), &handle_, error()) != SC_OK) {
      throw std::runtime_error(text_);
    }
  }
  ~Plugin() { api_->destroy(handle_); }
  Plugin(const Plugin&) = delete;
  Plugin& operator=(const Plugin&) = delete;

  // Values found, or -1 on an error.
  long get_many(const std::vector<std::string>& keys, size_t first, size_t count) {
    std::vector<sc_key> batch;
    for (size_t i = 0; i < count; ++i) {
      const std::string& k = keys[(first + i) % keys.size()];
      batch.push_back({k.data(), k.size()});
    }
    long found = 0;
    sc_status status = api_->get_many(
        handle_, batch.data(), batch.size(),
        [](void* c, size_t, const uint8_t*, size_t) { ++*static_cast<long*>(c); }, &found, error());
    return status == SC_OK ? found : -1;
  }
  bool get(const std::string& key) {
    size_t size = 0;
    return api_->get(
               handle_, key.data(), key.size(),
               [](void* c, const uint8_t*, size_t n) { *static_cast<size_t*>(c) = n; }, &size,
               error()) == SC_OK;
  }
  bool set_many(const std::vector<std::string>& keys, size_t first, size_t count,
                const std::string& value) {
    std::vector<sc_item> batch;
    for (size_t i = 0; i < count; ++i) {
      const std::string& k = keys[(first + i) % keys.size()];
      batch.push_back(
          {k.data(), k.size(), reinterpret_cast<const uint8_t*>(value.data()), value.size(), 0});
    }
    return api_->set_many(handle_, batch.data(), batch.size(), error()) == SC_OK;
  }
  const char* last_error() const { return text_; }

 private:
  sc_error* error() {
    text_[0] = '\0';
    error_ = {text_, sizeof(text_)};
    return &error_;
  }
  const sc_plugin* api_ = nullptr;
  sc_handle* handle_ = nullptr;
  char text_[512] = {0};
  sc_error error_{};
};

std::string random_value(size_t size) {
  std::mt19937 rng(static_cast<uint32_t>(size));
  std::string value(size, '\0');
  for (char& c : value) c = static_cast<char>(rng());
  return value;
}

// A rate and the client's CPU time per request (user + system), which shows the
// driver's own cost apart from the server's.
struct Measure {
  double rate = 0;
  double cpu_us = 0;
};

double cpu_seconds(int who) {
  rusage usage{};
  getrusage(who, &usage);
  auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

// Runs `command` and returns the number after `label` on its output, or nullopt.
std::optional<Measure> run_and_read(const std::string& command, const std::string& label,
                                    int seconds) {
  const double cpu_before = cpu_seconds(RUSAGE_CHILDREN);
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return std::nullopt;
  std::string output;
  char buffer[4096];
  while (fgets(buffer, sizeof(buffer), pipe) != nullptr) output += buffer;
  const int status = pclose(pipe);
  if (std::getenv("BENCH_HTTP_VERBOSE") != nullptr) std::cerr << "$ " << command << "\n" << output;
  const size_t at = output.find(label);
  if (status != 0 || at == std::string::npos) {
    std::cerr << "bench_http: '" << command << "' failed:\n" << output << "\n";
    return std::nullopt;
  }
  Measure m;
  m.rate = std::strtod(output.c_str() + at + label.size(), nullptr);
  m.cpu_us = (cpu_seconds(RUSAGE_CHILDREN) - cpu_before) * 1e6 / (m.rate * seconds);
  return m;
}

// Calls `step` (which returns the requests it made, or -1) for `seconds`.
std::optional<Measure> rate_of(int seconds, const std::function<long()>& step) {
  const double cpu_before = cpu_seconds(RUSAGE_SELF);
  const auto start = std::chrono::steady_clock::now();
  const auto end = start + std::chrono::seconds(seconds);
  long requests = 0;
  auto now = start;
  while (now < end) {
    const long made = step();
    if (made < 0) return std::nullopt;
    requests += made;
    now = std::chrono::steady_clock::now();
  }
  Measure m;
  m.rate = static_cast<double>(requests) / std::chrono::duration<double>(now - start).count();
  m.cpu_us = (cpu_seconds(RUSAGE_SELF) - cpu_before) * 1e6 / static_cast<double>(requests);
  return m;
}

// Plain libcurl: `connections` easy handles on one multi handle, each re-added with the
// next URL as soon as its transfer ends; `method` "GET" discards the body, "PUT" sends
// `body`. Returns nullopt if a transfer fails.
std::optional<Measure> curl_driver(const std::vector<std::string>& urls, int connections,
                                   int seconds, const std::string& method,
                                   const std::string& body) {
  struct Upload {
    const std::string* body;
    size_t offset = 0;
  };
  CURLM* multi = curl_multi_init();
  curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, static_cast<long>(connections));
  std::vector<CURL*> handles;
  std::vector<Upload> uploads(static_cast<size_t>(connections), Upload{&body});
  size_t next = 0;
  auto start_one = [&](CURL* easy, Upload& upload) {
    curl_easy_setopt(easy, CURLOPT_URL, urls[next++ % urls.size()].c_str());
    if (method == "PUT") {
      upload.offset = 0;
      curl_easy_setopt(easy, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(body.size()));
    }
    curl_multi_add_handle(multi, easy);
  };
  curl_slist* headers = curl_slist_append(nullptr, "Expect:");
  for (int i = 0; i < connections; ++i) {
    CURL* easy = curl_easy_init();
    curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(easy, CURLOPT_PROXY, "");
    curl_easy_setopt(easy, CURLOPT_TCP_NODELAY, 1L);
    curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(easy, CURLOPT_PRIVATE, static_cast<void*>(&uploads[static_cast<size_t>(i)]));
    curl_easy_setopt(
        easy, CURLOPT_WRITEFUNCTION,
        +[](char*, size_t size, size_t count, void*) { return size * count; });
    if (method == "PUT") {
      curl_easy_setopt(easy, CURLOPT_UPLOAD, 1L);
      curl_easy_setopt(easy, CURLOPT_READDATA,
                       static_cast<void*>(&uploads[static_cast<size_t>(i)]));
      curl_easy_setopt(
          easy, CURLOPT_READFUNCTION, +[](char* out, size_t size, size_t count, void* raw) {
            auto* upload = static_cast<Upload*>(raw);
            const size_t n = std::min(size * count, upload->body->size() - upload->offset);
            std::memcpy(out, upload->body->data() + upload->offset, n);
            upload->offset += n;
            return n;
          });
    }
    handles.push_back(easy);
    start_one(easy, uploads[static_cast<size_t>(i)]);
  }
  const double cpu_before = cpu_seconds(RUSAGE_SELF);
  const auto begin = std::chrono::steady_clock::now();
  const auto end = begin + std::chrono::seconds(seconds);
  long done = 0;
  bool failed = false;
  int running = 0;
  while (!failed) {
    curl_multi_perform(multi, &running);
    int queued = 0;
    while (CURLMsg* message = curl_multi_info_read(multi, &queued)) {
      if (message->msg != CURLMSG_DONE) continue;
      CURL* easy = message->easy_handle;
      long status = 0;
      curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
      if (message->data.result != CURLE_OK || status >= 300) failed = true;
      curl_multi_remove_handle(multi, easy);
      ++done;
      void* upload = nullptr;
      curl_easy_getinfo(easy, CURLINFO_PRIVATE, &upload);
      if (std::chrono::steady_clock::now() < end) start_one(easy, *static_cast<Upload*>(upload));
    }
    if (running == 0 && std::chrono::steady_clock::now() >= end) break;
    curl_multi_poll(multi, nullptr, 0, 100, nullptr);
  }
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
  const double cpu = cpu_seconds(RUSAGE_SELF) - cpu_before;
  for (CURL* easy : handles) {
    curl_multi_remove_handle(multi, easy);
    curl_easy_cleanup(easy);
  }
  curl_multi_cleanup(multi);
  curl_slist_free_all(headers);
  if (failed || done == 0) {
    std::cerr << "bench_http: the libcurl driver saw a failed transfer\n";
    return std::nullopt;
  }
  return Measure{static_cast<double>(done) / elapsed, cpu * 1e6 / static_cast<double>(done)};
}

struct Row {
  std::string label;
  std::vector<Measure> wrk, ab, curl, plugin;
};

// The median by rate (its CPU figure comes along).
Measure median(std::vector<Measure> values) {
  if (values.empty()) return {};
  std::sort(values.begin(), values.end(),
            [](const Measure& a, const Measure& b) { return a.rate < b.rate; });
  return values[values.size() / 2];
}

std::string cell(const Measure& m) {
  if (m.rate <= 0) return "n/a";
  char text[48];
  std::snprintf(text, sizeof(text), "%.1fk (%.1f)", m.rate / 1000, m.cpu_us);
  return text;
}

std::string ratio(double plugin, double base) {
  if (plugin <= 0 || base <= 0) return "  n/a";
  char text[32];
  std::snprintf(text, sizeof(text), "%5.2f", plugin / base);
  return text;
}

}  // namespace

int main(int argc, char** argv) {
  Settings s;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const long value = std::strtol(argv[i + 1], nullptr, 10);
    if (flag == "--rounds") s.rounds = static_cast<int>(value);
    if (flag == "--seconds") s.seconds = static_cast<int>(value);
    if (flag == "--connections") s.connections = static_cast<int>(value);
    if (flag == "--batch") s.batch = static_cast<size_t>(value);
  }
  // The server's files on tmpfs: the comparison is about HTTP clients, and on ext4 a PUT
  // that renames over an existing file waits for a data flush (auto_da_alloc).
  if (std::getenv("TMPDIR") == nullptr && access("/dev/shm", W_OK) == 0) {
    setenv("TMPDIR", "/dev/shm", 1);
  }
  const std::string reason = NginxServer::unavailable_reason();
  if (!reason.empty()) {
    std::cerr << "bench_http: " << reason << "\n";
    return 2;
  }
  NginxServer server(NginxTls::off, NginxAccessLog::off);
  if (!server.start()) {
    std::cerr << "bench_http: nginx did not start:\n" << server.error_log();
    return 1;
  }
  const bool have_wrk = program_exists("wrk");
  const bool have_ab = program_exists("ab");
  const std::string c = std::to_string(s.connections);
  const std::string d = std::to_string(s.seconds);

  std::vector<std::string> keys;
  for (size_t i = 0; i < s.keys; ++i) keys.push_back("bench:1:" + std::to_string(i));
  const std::string small = random_value(1024);
  const std::string large = random_value(28 * 1024);
  auto options = [&](const std::string& path) {
    return std::map<std::string, std::string>{
        {"location", server.url(path)}, {"parallel", c}, {"pool_size", "1"}};
  };
  Plugin small_plugin(options("/cache/1k/"));
  Plugin large_plugin(options("/cache/28k/"));
  Plugin put_plugin(options("/cache/put/"));
  Plugin single(std::map<std::string, std::string>{{"location", server.url("/cache/1k/")}});
  for (size_t first = 0; first < keys.size(); first += s.batch) {
    if (!small_plugin.set_many(keys, first, s.batch, small) ||
        !large_plugin.set_many(keys, first, s.batch, large)) {
      std::cerr << "bench_http: could not store the values: " << small_plugin.last_error()
                << large_plugin.last_error() << "\n";
      return 1;
    }
  }
  // ab repeats one of the plugin's files (it cannot vary the URL); wrk's PUT body is
  // read from body_file.
  const std::string small_url = server.url("/cache/1k/bench:1:0");
  const std::string large_url = server.url("/cache/28k/bench:1:0");
  const std::string put_url = server.url("/cache/put/");
  const std::string body_file = (server.dir() / "body-1k").string();
  std::ofstream(body_file, std::ios::binary) << small;  // read by wrk's PUT script
  // wrk requests the same files as the plugin, in turn (a script per path prefix), so
  // that the server does the same work for both; ab can only repeat one URL.
  auto rotating_script = [&](const std::string& name, const std::string& prefix,
                             const std::string& method) {
    const std::string path = (server.dir() / name).string();
    std::ofstream script(path);
    if (method == "PUT") {
      script << "wrk.method = \"PUT\"\n"
             << "local f = io.open(\"" << body_file << "\", \"rb\")\n"
             << "wrk.body = f:read(\"*a\")\nf:close()\n";
    }
    script << "local n = 0\n"
           << "request = function()\n"
           << "  n = n + 1\n"
           << "  return wrk.format(nil, \"" << prefix << "\" .. (n % " << s.keys << "))\n"
           << "end\n";
    return path;
  };
  const std::string get_small_script = rotating_script("get-1k.lua", "/cache/1k/bench:1:", "GET");
  const std::string get_large_script = rotating_script("get-28k.lua", "/cache/28k/bench:1:", "GET");
  const std::string put_script = rotating_script("put.lua", "/cache/put/driver-", "PUT");

  auto wrk = [&](const std::string& args) -> std::optional<Measure> {
    if (!have_wrk) return std::nullopt;
    return run_and_read("wrk -t 1 -d " + d + "s " + args, "Requests/sec:", s.seconds);
  };
  auto ab = [&](const std::string& args) -> std::optional<Measure> {
    if (!have_ab) return std::nullopt;
    return run_and_read("ab -q -k -t " + d + " -n 100000000 " + args,
                        "Requests per second:", s.seconds);
  };
  size_t cursor = 0;
  auto plugin_gets = [&](Plugin& plugin) {
    return rate_of(s.seconds, [&] {
      const long found = plugin.get_many(keys, cursor, s.batch);
      cursor += s.batch;
      return found == static_cast<long>(s.batch) ? found : -1;
    });
  };

  std::vector<Row> rows = {{"GET 1 KiB   (1 connection, 1 per call)", {}, {}, {}, {}},
                           {"GET 1 KiB   (" + c + " connections)", {}, {}, {}, {}},
                           {"GET 28 KiB  (" + c + " connections)", {}, {}, {}, {}},
                           {"PUT 1 KiB   (" + c + " connections)", {}, {}, {}, {}}};
  // The libcurl driver's URLs: the plugin's files (its file names are the keys, escaped
  // the same way, which ':' does not need in a path segment).
  auto urls_under = [&](const std::string& path, const std::string& prefix) {
    std::vector<std::string> urls;
    for (size_t i = 0; i < s.keys; ++i)
      urls.push_back(server.url(path + prefix + std::to_string(i)));
    return urls;
  };
  const std::vector<std::string> small_urls = urls_under("/cache/1k/", "bench:1:");
  const std::vector<std::string> large_urls = urls_under("/cache/28k/", "bench:1:");
  const std::vector<std::string> put_urls = urls_under("/cache/put/", "curl-");
  auto add = [](std::vector<Measure>& to, std::optional<Measure> value) {
    if (value) to.push_back(*value);
  };
  for (int round = 0; round < s.rounds; ++round) {
    add(rows[0].wrk, wrk("-c 1 -s '" + get_small_script + "' '" + small_url + "'"));
    add(rows[0].ab, ab("-c 1 '" + small_url + "'"));
    add(rows[0].curl, curl_driver(small_urls, 1, s.seconds, "GET", ""));
    add(rows[0].plugin, rate_of(s.seconds, [&] {
          const bool ok = single.get(keys[cursor++ % keys.size()]);
          return ok ? 1L : -1L;
        }));
    add(rows[1].wrk, wrk("-c " + c + " -s '" + get_small_script + "' '" + small_url + "'"));
    add(rows[1].ab, ab("-c " + c + " '" + small_url + "'"));
    add(rows[1].curl, curl_driver(small_urls, s.connections, s.seconds, "GET", ""));
    add(rows[1].plugin, plugin_gets(small_plugin));
    add(rows[2].wrk, wrk("-c " + c + " -s '" + get_large_script + "' '" + large_url + "'"));
    add(rows[2].ab, ab("-c " + c + " '" + large_url + "'"));
    add(rows[2].curl, curl_driver(large_urls, s.connections, s.seconds, "GET", ""));
    add(rows[2].plugin, plugin_gets(large_plugin));
    // No ab here: nginx answers an overwriting PUT with 204 and no Content-Length, on
    // which ab -k does not keep the connection, so it would measure connection set-up
    // (and use up the ephemeral ports for the next runs).
    add(rows[3].wrk, wrk("-c " + c + " -s '" + put_script + "' '" + put_url + "'"));
    add(rows[3].curl, curl_driver(put_urls, s.connections, s.seconds, "PUT", small));
    add(rows[3].plugin, rate_of(s.seconds, [&] {
          const bool ok = put_plugin.set_many(keys, cursor, s.batch, small);
          cursor += s.batch;
          return ok ? static_cast<long>(s.batch) : -1L;
        }));
  }

  std::cout << "http plugin vs. load drivers on one loopback nginx (single process), medians of "
            << s.rounds << " rounds of " << s.seconds << " s; requests per second.\n"
            << "plugin: C ABI, get_many/set_many of " << s.batch
            << " keys per call, parallel = " << c
            << "; drivers: wrk -t 1, ab -k, a plain libcurl multi loop; same connection count.\n\n";
  std::printf("  %-40s %16s %16s %16s %16s %7s %7s %7s\n", "operation", "wrk", "ab", "libcurl",
              "plugin", "vs wrk", "vs ab", "vs curl");
  for (const Row& row : rows) {
    const Measure w = median(row.wrk), a = median(row.ab), l = median(row.curl),
                  p = median(row.plugin);
    std::printf("  %-40s %16s %16s %16s %16s %7s %7s %7s\n", row.label.c_str(), cell(w).c_str(),
                cell(a).c_str(), cell(l).c_str(), cell(p).c_str(), ratio(p.rate, w.rate).c_str(),
                ratio(p.rate, a.rate).c_str(), ratio(p.rate, l.rate).c_str());
  }
  std::printf("\n  (in parentheses: the client's CPU time per request in microseconds)\n");
  return 0;
}
