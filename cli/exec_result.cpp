#include "exec_result.hpp"

#include <cstdint>
#include <cstring>

namespace sitecache::cli {
namespace {

constexpr char kMagic[4] = {'S', 'C', 'E', 'X'};
constexpr uint8_t kVersion = 1;

void put_u64(std::string& out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>(v >> (8 * i)));
}

bool take_u64(std::string_view& in, uint64_t& v) {
  if (in.size() < 8) return false;
  v = 0;
  for (int i = 0; i < 8; ++i) v |= static_cast<uint64_t>(static_cast<uint8_t>(in[i])) << (8 * i);
  in.remove_prefix(8);
  return true;
}

bool take_bytes(std::string_view& in, std::string& out) {
  uint64_t size = 0;
  if (!take_u64(in, size) || size > in.size()) return false;
  out = std::string(in.substr(0, size));
  in.remove_prefix(size);
  return true;
}

}  // namespace

std::string ExecResult::encode() const {
  std::string out(kMagic, 4);
  out.push_back(static_cast<char>(kVersion));
  out.push_back(static_cast<char>(exit_status & 0xFF));
  put_u64(out, this->out.size());
  out += this->out;
  put_u64(out, err.size());
  out += err;
  return out;
}

std::optional<ExecResult> ExecResult::decode(std::string_view in) {
  if (in.size() < 6 || std::memcmp(in.data(), kMagic, 4) != 0 ||
      static_cast<uint8_t>(in[4]) != kVersion) {
    return std::nullopt;
  }
  ExecResult result;
  result.exit_status = static_cast<uint8_t>(in[5]);
  in.remove_prefix(6);
  if (!take_bytes(in, result.out) || !take_bytes(in, result.err) || !in.empty()) {
    return std::nullopt;
  }
  return result;
}

}  // namespace sitecache::cli
