// Shared by the libFuzzer harnesses (README.md): failing a property, reading a fuzz input
// as a sequence of choices, and running a decoder on a thread with a small stack.
#ifndef SITECACHE_TESTS_FUZZ_FUZZ_SUPPORT_HPP
#define SITECACHE_TESTS_FUZZ_FUZZ_SUPPORT_HPP

#include <pthread.h>
#include <xxhash.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <span>
#include <string>
#include <string_view>

namespace sitecache::fuzz {

// Reports a broken property and aborts, which libFuzzer records as a crash with the input.
[[noreturn]] inline void property_failed(const char* property, const std::string& detail) {
  std::fprintf(stderr, "\nPROPERTY FAILED: %s\n%s\n", property, detail.c_str());
  std::abort();
}

#define FUZZ_CHECK(condition, detail)                                           \
  do {                                                                          \
    if (!(condition)) ::sitecache::fuzz::property_failed(#condition, (detail)); \
  } while (0)

// Takes a fuzz input apart front to back; past the end every read yields zeros or "".
class Choices {
 public:
  explicit Choices(std::span<const uint8_t> data) : data_(data) {}
  uint8_t byte() { return pos_ < data_.size() ? data_[pos_++] : 0; }
  uint64_t number(uint64_t bound) {  // in [0, bound]
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v = v << 8 | byte();
    return bound == UINT64_MAX ? v : v % (bound + 1);
  }
  bool flag() { return (byte() & 1) != 0; }
  // A string of up to `max` bytes: a length byte, then that many bytes.
  std::string text(size_t max) {
    size_t n = byte() % (max + 1);
    std::string out;
    for (size_t i = 0; i < n && pos_ < data_.size(); ++i) out.push_back(static_cast<char>(byte()));
    return out;
  }
  std::span<const uint8_t> rest() { return data_.subspan(pos_); }

 private:
  std::span<const uint8_t> data_;
  size_t pos_ = 0;
};

// Runs `body` on a thread whose stack is `stack_bytes`: a decoder whose recursion grows
// with its input overflows it at sizes the fuzzer reaches (a few KB of brackets), where
// the main thread's 8 MiB stack would need megabytes.
inline void on_small_stack(size_t stack_bytes, const std::function<void()>& body) {
  pthread_attr_t attributes;
  pthread_attr_init(&attributes);
  pthread_attr_setstacksize(&attributes, stack_bytes);
  pthread_t thread;
  auto run = [](void* raw) -> void* {
    (*static_cast<const std::function<void()>*>(raw))();
    return nullptr;
  };
  if (pthread_create(&thread, &attributes, run, const_cast<std::function<void()>*>(&body)) != 0) {
    body();
  } else {
    pthread_join(thread, nullptr);
  }
  pthread_attr_destroy(&attributes);
}

inline std::string_view as_text(std::span<const uint8_t> bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

// The first byte of an input picks one of three modes; the mode sees the rest.
using Mode = std::function<void(std::span<const uint8_t> rest)>;
inline int run_mode(const uint8_t* data, size_t size, const Mode& a, const Mode& b, const Mode& c) {
  if (size == 0) return 0;
  const std::span<const uint8_t> rest(data + 1, size - 1);
  const Mode* modes[] = {&a, &b, &c};
  (*modes[data[0] % 3])(rest);
  return 0;
}

// `bytes` with the XXH3-64 checksum the stored formats end with appended (little-endian
// hosts), so that the fuzzer reaches the checks behind the checksum.
inline std::string with_trailing_checksum(std::string bytes) {
  const uint64_t checksum = XXH3_64bits(bytes.data(), bytes.size());
  bytes.append(reinterpret_cast<const char*>(&checksum), 8);
  return bytes;
}

}  // namespace sitecache::fuzz

#endif  // SITECACHE_TESTS_FUZZ_FUZZ_SUPPORT_HPP
