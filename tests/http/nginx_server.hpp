// Test support: an nginx owned by one test (or one test process), with WebDAV locations,
// on a free 127.0.0.1 port. Everything it touches lives in a temporary directory of its
// own: config, pid file, error and access logs, every temp path, the document root.
//
// Process model: `daemon off; master_process off;`, one process. Why: run as root, an
// nginx master switches its workers to `nobody`, which cannot write the test's directory
// (PUT fails with 500, "mkdir() ... Permission denied"); a single process keeps the
// test's user. It also makes kill() (SIGKILL), pause() (SIGSTOP) and resume() act on the
// whole server, and PR_SET_PDEATHSIG ends nginx with the thread that started it, so a
// crashed test leaves no server behind. Start and restart from one long-lived thread
// (the test's main thread).
//
// Locations (document root root(), so /cache/x is root()/cache/x):
//   /cache/   WebDAV: PUT DELETE MKCOL, create_full_put_path, PROPFIND and OPTIONS
//             (dav-ext), client_max_body_size 64m.
//   /plain/   PUT DELETE MKCOL without create_full_put_path and without PROPFIND (a
//             server that cannot list and does not create directories).
//   /slow/    GET of /cache/'s files at 2 KiB/s (limit_rate).
//   /fail/    every request answers 500.
//   /bearer/  /cache/'s WebDAV, only with "Authorization: Bearer <kBearerToken>".
//   /basic/   /cache/'s WebDAV, only with basic auth kBasicUser:kBasicPassword.
// With NginxTls::on a second port serves the same locations over TLS with a self-signed
// certificate for 127.0.0.1 (cert_file()), made with the openssl command.
// The access log has one line per request: "<connection> <method> <uri> <status>".
//
// Not thread-safe: one thread drives a NginxServer. The destructor kills the server and
// removes the directory.
#ifndef SITECACHE_TESTS_HTTP_NGINX_SERVER_HPP
#define SITECACHE_TESTS_HTTP_NGINX_SERVER_HPP

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "../redis/server_process.hpp"

namespace sitecache::testing {

constexpr const char* kDavExtModule = "/usr/lib/nginx/modules/ngx_http_dav_ext_module.so";
constexpr const char* kBearerToken = "test-token-5b1f";
constexpr const char* kBasicUser = "builder";
// No ':' in it: nginx's htpasswd reader ends the password field there.
constexpr const char* kBasicPassword = "pa55-w0rd!";

enum class NginxTls { off, on };
// Benchmarks turn the access log off: writing it costs the server time per request.
enum class NginxAccessLog { on, off };

class NginxServer {
 public:
  // Why no nginx can run here, or "" when one can.
  static std::string unavailable_reason() {
    if (!program_exists("nginx") && access("/usr/sbin/nginx", X_OK) != 0) {
      return "nginx is not installed (Debian: nginx-light)";
    }
    if (access(kDavExtModule, R_OK) != 0) {
      return std::string("the WebDAV extension module is missing: ") + kDavExtModule +
             " (Debian: libnginx-mod-http-dav-ext)";
    }
    return {};
  }
  static std::string unavailable_reason(NginxTls tls) {
    std::string reason = unavailable_reason();
    if (reason.empty() && tls == NginxTls::on && !program_exists("openssl")) {
      reason = "openssl is not installed (needed for a test certificate)";
    }
    return reason;
  }

  explicit NginxServer(NginxTls tls = NginxTls::off, NginxAccessLog log = NginxAccessLog::on)
      : tls_(tls), log_(log), port_(free_port()), tls_port_(tls == NginxTls::on ? free_port() : 0) {
    static std::atomic<int> counter{0};
    dir_ = std::filesystem::temp_directory_path() /
           ("sitecache-nginx-" + std::to_string(getpid()) + "-" + std::to_string(counter++));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_ / "temp");
    for (const char* location : {"cache", "plain", "bearer", "basic"}) {
      std::filesystem::create_directories(dir_ / "root" / location);
    }
    std::ofstream(dir_ / "htpasswd") << kBasicUser << ":{PLAIN}" << kBasicPassword << "\n";
    if (tls_ == NginxTls::on) make_certificate();
    write_config();
  }
  ~NginxServer() {
    kill();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  NginxServer(const NginxServer&) = delete;
  NginxServer& operator=(const NginxServer&) = delete;

  uint16_t port() const { return port_; }
  bool running() const { return process_.running(); }
  // "http://127.0.0.1:PORT" + path.
  std::string url(std::string_view path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + std::string(path);
  }
  std::string https_url(std::string_view path) const {
    return "https://127.0.0.1:" + std::to_string(tls_port_) + std::string(path);
  }
  std::filesystem::path root() const { return dir_ / "root"; }
  // The server's own directory (config, logs, temp paths, root).
  const std::filesystem::path& dir() const { return dir_; }
  std::filesystem::path cert_file() const { return dir_ / "cert.pem"; }
  std::string error_log() const { return read(dir_ / "error.log") + read(dir_ / "stderr.log"); }
  std::string access_log() const { return read(dir_ / "access.log"); }
  // Access log lines whose URI starts with `path`.
  std::vector<std::string> requests_to(std::string_view path) const {
    std::vector<std::string> lines;
    std::istringstream log(access_log());
    for (std::string line; std::getline(log, line);) {
      std::istringstream fields(line);
      std::string connection, method, uri;
      fields >> connection >> method >> uri;
      if (uri.starts_with(path)) lines.push_back(line);
    }
    return lines;
  }

  // requests_to(path) once it has at least `count` lines, or after 2 s. nginx logs a
  // request after sending its response, so a client can be a moment ahead of the log.
  std::vector<std::string> wait_for_requests(std::string_view path, size_t count) const {
    std::vector<std::string> lines = requests_to(path);
    for (int i = 0; i < 400 && lines.size() < count; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      lines = requests_to(path);
    }
    return lines;
  }

  // Starts nginx and waits (up to 5 s) until it accepts connections; false when it exits
  // or does not come up (error_log() says why).
  bool start() {
    if (process_.running()) return true;
    const std::string prefix = dir_.string();
    const std::string config = (dir_ / "nginx.conf").string();
    const std::string error_log = (dir_ / "error.log").string();
    const std::string stderr_log = (dir_ / "stderr.log").string();
    const pid_t parent = getpid();
    pid_t pid = fork();
    if (pid == 0) {
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (getppid() != parent) _exit(1);
      int null = open("/dev/null", O_RDWR);
      int log = open(stderr_log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      dup2(null, 0);
      dup2(log, 1);
      dup2(log, 2);
      const char* binary = program_exists("nginx") ? "nginx" : "/usr/sbin/nginx";
      execlp(binary, binary, "-p", prefix.c_str(), "-e", error_log.c_str(), "-c", config.c_str(),
             static_cast<char*>(nullptr));
      _exit(127);
    }
    process_.adopt(pid);
    return process_.wait_until([this] {
      return accepts_connections(port_) && (tls_port_ == 0 || accepts_connections(tls_port_));
    });
  }
  // SIGKILL and reap: the server vanishes mid-conversation, like a crash.
  void kill() { process_.kill(); }
  // SIGSTOP: connections are accepted by the kernel, nothing answers (a hung server).
  void pause() { process_.pause(); }
  void resume() { process_.resume(); }

 private:
  static std::string read(const std::filesystem::path& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }

  void make_certificate() {
    const std::string command =
        "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 "
        "-subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 -keyout '" +
        (dir_ / "key.pem").string() + "' -out '" + cert_file().string() + "' >/dev/null 2>&1";
    if (std::system(command.c_str()) != 0) {
      std::ofstream(dir_ / "stderr.log", std::ios::app) << "openssl could not make a certificate\n";
    }
  }

  void write_config() const {
    const std::string d = dir_.string();
    const std::string dav =
        "      dav_methods PUT DELETE MKCOL;\n"
        "      dav_ext_methods PROPFIND OPTIONS;\n"
        "      create_full_put_path on;\n";
    std::ofstream out(dir_ / "nginx.conf");
    out << "load_module " << kDavExtModule << ";\n"
        << "daemon off;\nmaster_process off;\n"
        << "pid " << d << "/nginx.pid;\n"
        << "error_log " << d << "/error.log info;\n"
        << "events { worker_connections 1024; }\n"
        << "http {\n"
        << "  log_format short '$connection $request_method $request_uri $status';\n"
        << "  access_log " << (log_ == NginxAccessLog::on ? d + "/access.log short" : "off")
        << ";\n"
        << "  client_body_temp_path " << d << "/temp/body;\n"
        << "  proxy_temp_path " << d << "/temp/proxy;\n"
        << "  fastcgi_temp_path " << d << "/temp/fastcgi;\n"
        << "  uwsgi_temp_path " << d << "/temp/uwsgi;\n"
        << "  scgi_temp_path " << d << "/temp/scgi;\n"
        << "  default_type application/octet-stream;\n"
        << "  client_max_body_size 64m;\n"
        << "  server {\n"
        << "    listen 127.0.0.1:" << port_ << ";\n";
    if (tls_ == NginxTls::on) {
      out << "    listen 127.0.0.1:" << tls_port_ << " ssl;\n"
          << "    ssl_certificate " << cert_file().string() << ";\n"
          << "    ssl_certificate_key " << d << "/key.pem;\n";
    }
    out << "    root " << d << "/root;\n"
        << "    location /cache/ {\n"
        << dav << "    }\n"
        << "    location /plain/ {\n"
        << "      dav_methods PUT DELETE MKCOL;\n"
        << "    }\n"
        << "    location /slow/ {\n"
        << "      alias " << d << "/root/cache/;\n"
        << "      limit_rate 2k;\n"
        << "    }\n"
        << "    location /fail/ {\n"
        << "      return 500;\n"
        << "    }\n"
        << "    location /bearer/ {\n"
        << "      if ($http_authorization != \"Bearer " << kBearerToken << "\") { return 401; }\n"
        << dav << "    }\n"
        << "    location /basic/ {\n"
        << "      auth_basic sitecache;\n"
        << "      auth_basic_user_file " << d << "/htpasswd;\n"
        << dav << "    }\n"
        << "  }\n"
        << "}\n";
  }

  NginxTls tls_;
  NginxAccessLog log_;
  uint16_t port_;
  uint16_t tls_port_;
  std::filesystem::path dir_;
  ChildProcess process_;  // last: killed before the rest is destroyed
};

}  // namespace sitecache::testing

#endif  // SITECACHE_TESTS_HTTP_NGINX_SERVER_HPP
