// libFuzzer harness: the command line (cli/app.hpp) and the size, duration and timeout
// parsers behind its options and the selectors of `clear` and `gc`.
//
// The first byte picks a mode:
//   0  the rest is a command line, words separated by NUL bytes: it is parsed as `main`
//      would, and the selected verb is looked up, but nothing runs;
//   1  the rest is the text of an option value: parse_size, parse_duration and
//      parse_timeout, the CLI's wrappers of them (--max-size, --older-than, --ttl) and the
//      whole-number check of --keep-builds and --max-entries;
//   2  the rest is a number, formatted and parsed back.
// Properties:
//   - parsing a command line ends in a parse, a refusal with exit status 2, or --help /
//     --version with 0; no exception escapes;
//   - the CLI's wrappers refuse exactly what the library refuses, as a usage error (2);
//   - parse_duration(format_duration(d)) == d, and a size written in bytes parses to
//     itself.
#include <chrono>
#include <limits>
#include <string>
#include <vector>

#include "app.hpp"
#include "fuzz_support.hpp"
#include "sitecache/units.hpp"

namespace sitecache::fuzz {
namespace {

using cli::CliError;

void check_command_line(std::string_view text) {
  std::vector<std::string> words = {"sitecache"};
  size_t start = 0;
  while (start <= text.size() && words.size() < 64) {
    size_t end = text.find('\0', start);
    if (end == std::string_view::npos) end = text.size();
    words.emplace_back(text.substr(start, end - start));
    start = end + 1;
  }
  std::vector<char*> argv;
  for (std::string& word : words) argv.push_back(word.data());
  argv.push_back(nullptr);
  cli::Application application;
  std::optional<int> refused;
  try {
    refused = application.parse(static_cast<int>(words.size()), argv.data());
  } catch (const std::exception& e) {
    property_failed("parse throws", e.what());
  }
  if (refused) {
    FUZZ_CHECK(*refused == cli::kExitUsage || *refused == cli::kExitOk,
               "a refused command line exits " + std::to_string(*refused));
    return;
  }
  std::string path;
  (void)application.selected(path);
  FUZZ_CHECK(path.starts_with("sitecache"), "the selected command's path is " + path);
}

// Whether `wrapper` refuses `text` with a usage error; fails on any other outcome.
template <typename Wrapper>
bool cli_refuses(Wrapper wrapper, std::string_view text) {
  try {
    wrapper(text);
    return false;
  } catch (const CliError& e) {
    FUZZ_CHECK(e.code() == cli::kExitUsage, "a refused value exits " + std::to_string(e.code()));
    return true;
  }
}

void check_value(std::string_view text) {
  const Result<uint64_t> size = parse_size(text);
  FUZZ_CHECK(
      size.is_ok() == !cli_refuses([](auto t) { cli::parse_size_arg("--max-size", t); }, text),
      "parse_size_arg and parse_size disagree");
  const Result<std::chrono::milliseconds> duration = parse_duration(text);
  FUZZ_CHECK(duration.is_ok() ==
                 !cli_refuses([](auto t) { cli::parse_duration_arg("--older-than", t); }, text),
             "parse_duration_arg and parse_duration disagree");
  if (duration.is_ok()) {
    Result<std::chrono::milliseconds> again = parse_duration(format_duration(*duration));
    FUZZ_CHECK(again.is_ok() && *again == *duration,
               "format_duration does not parse back: " + format_duration(*duration));
  }
  const Result<Timeout> timeout = parse_timeout(text);
  FUZZ_CHECK(
      timeout.is_ok() == !cli_refuses([](auto t) { cli::parse_timeout_arg("--ttl", t); }, text),
      "parse_timeout_arg and parse_timeout disagree");
  std::string word(text);
  const std::string refused = cli::whole_number(1, 30)(word);
  if (refused.empty()) {
    FUZZ_CHECK(!word.empty() && word.size() <= 20, "a whole number of " + word);
    const uint64_t n = std::stoull(word);
    FUZZ_CHECK(n >= 1 && n <= 30, "--keep-builds accepted " + word);
  } else {
    FUZZ_CHECK(refused.size() < 200 + text.size(), "a long refusal: " + refused);
  }
}

void check_numbers(std::span<const uint8_t> data) {
  Choices in(data);
  const uint64_t n = in.number(UINT64_MAX);
  Result<uint64_t> size = parse_size(std::to_string(n));
  FUZZ_CHECK(size.is_ok() && *size == n, "a size in bytes does not parse to itself");
  const auto ms = static_cast<int64_t>(in.number(uint64_t{1} << 52));
  const std::chrono::milliseconds d(ms);
  Result<std::chrono::milliseconds> again = parse_duration(format_duration(d));
  FUZZ_CHECK(again.is_ok() && *again == d,
             "format_duration does not parse back: " + format_duration(d));
}

}  // namespace
}  // namespace sitecache::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace sitecache::fuzz;
  return run_mode(
      data, size, [](std::span<const uint8_t> rest) { check_command_line(as_text(rest)); },
      [](std::span<const uint8_t> rest) { check_value(as_text(rest)); },
      [](std::span<const uint8_t> rest) { check_numbers(rest); });
}
