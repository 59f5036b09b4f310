// HttpBackend: options and the key/value operations (scan and clear: http_listing.cpp).
#include "http_backend.hpp"

#include <deque>
#include <mutex>
#include <set>

namespace sitecache_http {

namespace {

// Keys per round of get_many / set_many: found values are held until their round ends, so
// this bounds memory for large values.
constexpr size_t kRoundKeys = 256;

sp::Status check_ttl(int64_t ttl_ms) {
  if (ttl_ms >= 0) return sp::Status::ok();
  return sp::Status(sp::Code::invalid_argument,
                    "ttl_ms must be >= 0 (0 = no expiry), got " + std::to_string(ttl_ms));
}

bool stored(const Transfer& put) {
  return put.answered_with(200) || put.answered_with(201) || put.answered_with(204);
}

bool missing(const Transfer& transfer) {
  return transfer.answered_with(404) || transfer.answered_with(410);
}

void init_curl_once() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

}  // namespace

sp::Status HttpBackend::validate(const sp::Options& options) {
  Settings settings;
  return parse_settings(options, settings);
}

sp::Status HttpBackend::create(const sp::Options& options, std::unique_ptr<HttpBackend>& out) {
  init_curl_once();
  Settings settings;
  sp::Status status = parse_settings(options, settings);
  if (!status.is_ok()) return status;
  out = std::make_unique<HttpBackend>(std::move(settings));
  return sp::Status::ok();
}

HttpBackend::HttpBackend(Settings settings)
    : naming_(settings.base_url, settings.layout), client_(std::move(settings)) {}

sp::Status HttpBackend::url_of(std::string_view key, std::string& url) const {
  if (key.empty()) return sp::Status(sp::Code::invalid_argument, "empty key");
  std::optional<std::string> found = naming_.object_url(key);
  if (!found) {
    return sp::Status(sp::Code::invalid_argument, "key '" + std::string(key) +
                                                      "' escapes to a file name longer than " +
                                                      std::to_string(kMaxNameLength) + " bytes");
  }
  url = std::move(*found);
  return sp::Status::ok();
}

sp::Status HttpBackend::get(std::string_view key, sp::ValueSink& sink) {
  std::string url;
  if (sp::Status s = url_of(key, url); !s.is_ok()) return s;
  Transfer transfer(Method::get, std::move(url));
  sp::Status status = client_.run(transfer, [&sink](Transfer& answered) {
    if (answered.http_status() == 200) sink.deliver(sp::as_bytes(answered.body()));
  });
  if (!status.is_ok()) return status;
  if (transfer.answered_with(200)) return sp::Status::ok();
  if (missing(transfer)) return sp::Status::not_found();
  return transfer.failure(client_.settings());
}

sp::Status HttpBackend::set(std::string_view key, sp::Bytes value, int64_t ttl_ms) {
  if (sp::Status s = check_ttl(ttl_ms); !s.is_ok()) return s;
  std::string url;
  if (sp::Status s = url_of(key, url); !s.is_ok()) return s;
  Transfer put(Method::put, std::move(url));
  put.set_request_body(value);
  Transfer* puts[] = {&put};
  return put_all(puts);
}

sp::Status HttpBackend::put_all(std::span<Transfer* const> puts) {
  if (sp::Status s = client_.run(puts); !s.is_ok()) return s;
  if (naming_.layout() == Layout::subdirs) {
    // A PUT into a subdirectory that does not exist yet, on a server that does not
    // create it (no create_full_put_path), is answered 409 Conflict (RFC 4918, Apache),
    // 404, or 500 (nginx 1.22: "rename() ... failed (2: No such file or directory)").
    // Each subdirectory exists once created, so this costs at most once per directory.
    std::vector<Transfer*> again;
    std::set<std::string> directories;
    for (Transfer* put : puts) {
      if (put->answered_with(409) || put->answered_with(404) || put->answered_with(500)) {
        again.push_back(put);
        const std::string& url = put->url();
        directories.insert(url.substr(0, url.rfind('/') + 1));
      }
    }
    if (!again.empty()) {
      std::deque<Transfer> mkcols;
      std::vector<Transfer*> batch;
      for (const std::string& directory : directories) {
        batch.push_back(&mkcols.emplace_back(Method::mkcol, directory));
      }
      if (sp::Status s = client_.run(batch); !s.is_ok()) return s;
      // 201 created; 405 it exists already (another writer was first): both fine, and
      // anything else shows in the second PUT's answer.
      if (sp::Status s = client_.run(again); !s.is_ok()) return s;
    }
  }
  for (Transfer* put : puts) {
    if (!stored(*put)) return put->failure(client_.settings());
  }
  return sp::Status::ok();
}

sp::Status HttpBackend::remove(std::string_view key) {
  std::string url;
  if (sp::Status s = url_of(key, url); !s.is_ok()) return s;
  Transfer transfer(Method::remove, std::move(url));
  if (sp::Status s = client_.run(transfer); !s.is_ok()) return s;
  if (transfer.answered_with(200) || transfer.answered_with(204)) return sp::Status::ok();
  if (missing(transfer)) return sp::Status::not_found();
  return transfer.failure(client_.settings());
}

sp::Status HttpBackend::get_many(std::span<const std::string_view> keys, sp::IndexedSink& sink) {
  sp::Status first_failure;
  for (size_t start = 0; start < keys.size(); start += kRoundKeys) {
    const size_t count = std::min(kRoundKeys, keys.size() - start);
    std::deque<Transfer> transfers;
    std::vector<Transfer*> batch;
    for (size_t i = start; i < start + count; ++i) {
      std::string url;
      if (sp::Status s = url_of(keys[i], url); !s.is_ok()) return s;
      Transfer& transfer = transfers.emplace_back(Method::get, std::move(url));
      transfer.set_tag(i);
      batch.push_back(&transfer);
    }
    sp::Status status = client_.run(batch, [&sink](Transfer& answered) {
      if (answered.http_status() == 200) {
        sink.deliver(answered.tag(), sp::as_bytes(answered.body()));
      }
    });
    if (!status.is_ok()) return status;
    for (Transfer* transfer : batch) {
      if (!transfer->answered_with(200) && !missing(*transfer) && first_failure.is_ok()) {
        first_failure = transfer->failure(client_.settings());
      }
    }
    if (!first_failure.is_ok()) return first_failure;
  }
  return sp::Status::ok();
}

sp::Status HttpBackend::set_many(std::span<const sp::Item> items) {
  std::vector<std::string> urls(items.size());
  for (size_t i = 0; i < items.size(); ++i) {
    if (sp::Status s = check_ttl(items[i].ttl_ms); !s.is_ok()) return s;
    if (sp::Status s = url_of(items[i].key, urls[i]); !s.is_ok()) return s;
  }
  for (size_t start = 0; start < items.size(); start += kRoundKeys) {
    const size_t end = std::min(items.size(), start + kRoundKeys);
    std::deque<Transfer> transfers;
    std::vector<Transfer*> batch;
    for (size_t i = start; i < end; ++i) {
      Transfer& put = transfers.emplace_back(Method::put, std::move(urls[i]));
      put.set_request_body(items[i].value);
      batch.push_back(&put);
    }
    if (sp::Status s = put_all(batch); !s.is_ok()) return s;
  }
  return sp::Status::ok();
}

}  // namespace sitecache_http

SITECACHE_PLUGIN(sitecache_http::HttpBackend)
