// `sitecache keys generate NAME | public [FILE]`: key pairs for signed entries
// (docs/security.md). generate writes NAME.key (the secret, mode 0600) and NAME.pub;
// public prints the public key of a secret key file (or stdin).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

#include "common.hpp"
#include "output.hpp"
#include "sitecache/signing.hpp"

namespace sitecache::cli {
namespace {

struct KeysOptions {
  std::string name;    // generate
  std::string secret;  // public: a file, or "-" / empty for stdin
};

// Creates `path` with `mode` and writes text; refuses an existing file, so a key is never
// replaced by accident. On failure the partial file is removed.
void write_new_file(const std::string& path, const std::string& text, mode_t mode) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) {
    fail("cannot create " + path + ": " + std::strerror(errno) +
         (errno == EEXIST ? " (a key file is never overwritten; remove it first)" : ""));
  }
  size_t done = 0;
  bool ok = ::fchmod(fd, mode) == 0;  // whatever the umask allowed
  while (ok && done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    ok = n > 0;
    if (ok) done += static_cast<size_t>(n);
  }
  ok = ::fsync(fd) == 0 && ok;
  const int saved = errno;
  ::close(fd);
  if (!ok) {
    ::unlink(path.c_str());
    fail("cannot write " + path + ": " + std::strerror(saved));
  }
}

int run_generate(const KeysOptions& o) {
  if (o.name.empty()) usage_error("keys generate needs a NAME for NAME.key and NAME.pub");
  const SigningKeyTexts pair = take(generate_signing_key());
  const std::string secret_file = o.name + ".key", public_file = o.name + ".pub";
  struct stat st {};
  if (::stat(public_file.c_str(), &st) == 0) {
    fail("cannot create " + public_file + ": it exists (a key file is never overwritten)");
  }
  write_new_file(secret_file, pair.secret + "\n", 0600);
  write_new_file(public_file, pair.public_key + "\n", 0644);
  write_text("secret key  " + secret_file +
             " (mode 0600; for trusted writers only: signing_key = \"file:" + secret_file +
             "\" or an environment variable with signing_key = \"env:NAME\")\npublic key  " +
             public_file + "  " + pair.public_key + "\n");
  return kExitOk;
}

int run_public(const KeysOptions& o) {
  std::ostringstream text;
  if (o.secret.empty() || o.secret == "-") {
    text << std::cin.rdbuf();
  } else {
    std::ifstream in(o.secret, std::ios::binary);
    if (!in) fail("cannot read " + o.secret + ": " + std::strerror(errno));
    text << in.rdbuf();
  }
  Result<std::string> public_key = public_key_of(text.str());
  if (!public_key) {
    fail((o.secret.empty() || o.secret == "-" ? std::string("stdin") : o.secret) + ": " +
         public_key.status().message());
  }
  write_text(*public_key + "\n");
  return kExitOk;
}

}  // namespace

void add_keys_command(CLI::App& app, Context&, Verbs& verbs) {
  CLI::App* keys = app.add_subcommand("keys", "Key pairs for signed entries (docs/security.md)");
  keys->require_subcommand(1);
  verbs.add(keys, "sitecache keys (generate NAME | public [FILE])");
  auto o = std::make_shared<KeysOptions>();
  CLI::App* generate =
      keys->add_subcommand("generate", "Write a new key pair: NAME.key (secret) and NAME.pub");
  generate->add_option("NAME", o->name, "The files' name, without extension")->required();
  verbs.add(generate, "sitecache keys generate NAME", [o] { return run_generate(*o); });
  CLI::App* public_half =
      keys->add_subcommand("public", "Print the public key of a secret key (FILE, or stdin)");
  public_half->add_option("FILE", o->secret, "The secret key file; '-' or none: stdin");
  verbs.add(public_half, "sitecache keys public [FILE]", [o] { return run_public(*o); });
}

}  // namespace sitecache::cli
