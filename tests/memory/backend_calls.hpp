// The raw_* form of two ABI calls, kept only for memory_limits_test.cpp until it uses
// testing::Calls (abi_client.hpp) like the other backend tests. Forwards to Calls.
#ifndef SITECACHE_TESTS_BACKEND_CALLS_HPP
#define SITECACHE_TESTS_BACKEND_CALLS_HPP

#include <cstdint>
#include <string>

#include "abi_client.hpp"

namespace sitecache::testing {

inline const AbiClient& raw_of(const AbiClient& client) {
  return client;
}

// add; `stored` is 1 when stored, 0 when an entry was present.
inline sc_status raw_add(const AbiClient& client, const std::string& key, const std::string& value,
                         int64_t ttl_ms, int& stored) {
  bool added = false;
  Call call = Calls(client).add(key, value, ttl_ms, added);
  stored = added ? 1 : 0;
  return call.status;
}

}  // namespace sitecache::testing

#endif  // SITECACHE_TESTS_BACKEND_CALLS_HPP
