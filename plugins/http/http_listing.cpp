// HttpBackend: scan and clear, on WebDAV PROPFIND listings (see http_backend.hpp).
#include <algorithm>
#include <deque>
#include <memory>
#include <tuple>

#include "http_backend.hpp"
#include "multistatus.hpp"

namespace sitecache_http {

namespace {

constexpr int kDirectoryShift = 56;
constexpr uint64_t kPositionMask = (uint64_t{1} << kDirectoryShift) - 1;
// Values fetched per round of a ScanMode::values scan (held until visited).
constexpr size_t kValueRound = 32;
// Deletes per round of clear.
constexpr size_t kDeleteRound = 256;

// Only the properties a scan reports, so servers skip the rest (locks, dates, etags).
constexpr std::string_view kPropfindBody =
    "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
    "<D:propfind xmlns:D=\"DAV:\"><D:prop><D:resourcetype/><D:getcontentlength/></D:prop>"
    "</D:propfind>\n";

uint64_t make_cursor(unsigned directory, uint64_t position, unsigned directory_count) {
  if (directory >= directory_count) return 0;
  return (uint64_t{directory} << kDirectoryShift) | position;
}

// The file name an href points to: its last path segment, percent-decoded; nullopt for a
// collection (trailing '/'), a query or fragment, or a malformed escape.
std::optional<std::string> name_of_href(std::string_view href) {
  if (href.empty() || href.back() == '/') return std::nullopt;
  if (href.find_first_of("?#") != std::string_view::npos) return std::nullopt;
  const size_t slash = href.rfind('/');
  return percent_decode(slash == std::string_view::npos ? href : href.substr(slash + 1));
}

bool missing(const Transfer& transfer) {
  return transfer.answered_with(404) || transfer.answered_with(410);
}

// Reads one PROPFIND answer as it arrives and keeps the entries a scan of `directory`
// under `prefix` reports: files (not collections) whose name is one the backend writes,
// whose key has the prefix and belongs in this directory. Files of other clients or
// layouts are ignored, never visited or deleted.
class ListingReader final : public BodyConsumer {
 public:
  ListingReader(const Naming& naming, unsigned directory, std::string_view prefix)
      : naming_(naming), directory_(directory), prefix_(prefix) {}

  void restart() override {
    parser_ = std::make_unique<MultistatusParser>();
    entries_.clear();
  }
  bool consume(std::string_view piece) override {
    if (!parser_->feed(piece)) return false;
    for (const DavResource& resource : parser_->resources()) keep(resource);
    parser_->resources().clear();
    return true;
  }
  // After a 207 answer: false when the document was incomplete or malformed.
  bool finish() {
    if (!parser_) restart();  // an empty body: finish() then reports it
    return parser_->finish();
  }
  std::string error() const { return parser_ ? parser_->error() : std::string(); }
  std::vector<ListedEntry>& entries() { return entries_; }

 private:
  void keep(const DavResource& resource) {
    if (resource.collection) return;
    std::optional<std::string> name = name_of_href(resource.href);
    if (!name || name->size() > kMaxNameLength) return;
    std::optional<std::string> key = key_of_file_name(*name);
    if (!key || !key->starts_with(prefix_) || naming_.directory_of(*key) != directory_) return;
    const uint64_t position = scan_position(*key);
    entries_.push_back(ListedEntry{std::move(*key), resource.content_length, position});
  }

  const Naming& naming_;
  const unsigned directory_;
  const std::string_view prefix_;
  std::unique_ptr<MultistatusParser> parser_;
  std::vector<ListedEntry> entries_;
};

}  // namespace

uint64_t scan_position(std::string_view key) {
  const uint64_t position = fnv1a_64(key) & kPositionMask;
  return position == 0 ? 1 : position;
}

sp::Status HttpBackend::list_directories(unsigned first, unsigned count, std::string_view prefix,
                                         std::vector<std::vector<ListedEntry>>& listings) {
  const Settings& settings = client_.settings();
  if (settings.listing == Listing::none) {
    return sp::Status(sp::Code::unsupported,
                      "listing = none: this server is not asked for listings (ls, gc and clear "
                      "--stale use the build records)");
  }
  std::deque<ListingReader> readers;
  std::deque<Transfer> transfers;
  std::vector<Transfer*> batch;
  for (unsigned i = 0; i < count; ++i) {
    ListingReader& reader = readers.emplace_back(naming_, first + i, prefix);
    Transfer& transfer = transfers.emplace_back(Method::propfind, naming_.directory_url(first + i));
    transfer.set_request_body(sp::as_bytes(kPropfindBody));
    transfer.add_header("Depth: 1");
    transfer.add_header("Content-Type: application/xml; charset=utf-8");
    transfer.set_consumer(&reader);
    batch.push_back(&transfer);
  }
  if (sp::Status s = client_.run(batch); !s.is_ok()) return s;
  listings.assign(count, {});
  for (unsigned i = 0; i < count; ++i) {
    Transfer& transfer = transfers[i];
    ListingReader& reader = readers[i];
    const std::string what = "PROPFIND " + transfer.url() + ": ";
    if (transfer.outcome() == Outcome::aborted ||
        (transfer.answered_with(207) && !reader.finish())) {
      return sp::Status(sp::Code::io, what + "malformed listing (" + reader.error() + ")");
    }
    if (missing(transfer)) continue;  // a directory nothing was written to yet
    if (!transfer.answered_with(207)) {
      sp::Status failure = transfer.failure(settings);
      if (failure.code() == sp::Code::unsupported) {
        return sp::Status(sp::Code::unsupported,
                          failure.message() +
                              ": the server does not list collections (WebDAV PROPFIND); set "
                              "listing = \"none\" not to ask");
      }
      if (transfer.outcome() == Outcome::answered && failure.code() == sp::Code::io) {
        return sp::Status(sp::Code::io, failure.message() + " (a listing answers 207)");
      }
      return failure;
    }
    std::vector<ListedEntry>& entries = reader.entries();
    std::sort(entries.begin(), entries.end(), [](const ListedEntry& a, const ListedEntry& b) {
      return std::tie(a.position, a.key) < std::tie(b.position, b.key);
    });
    listings[i] = std::move(entries);
  }
  return sp::Status::ok();
}

sp::Status HttpBackend::scan(std::string_view prefix, uint64_t& cursor, size_t /*batch_hint*/,
                             sp::ScanMode mode, sp::ScanVisitor& visitor) {
  const unsigned directory_count = naming_.directory_count();
  const auto first = static_cast<unsigned>(cursor >> kDirectoryShift);
  const uint64_t resume_at = cursor & kPositionMask;
  if (first >= directory_count) {
    cursor = 0;
    return sp::Status::ok();
  }
  const auto group =
      static_cast<unsigned>(std::min<size_t>(client_.settings().parallel, directory_count - first));
  std::vector<std::vector<ListedEntry>> listings;
  if (sp::Status s = list_directories(first, group, prefix, listings); !s.is_ok()) return s;

  for (unsigned g = 0; g < group; ++g) {
    const unsigned directory = first + g;
    const std::vector<ListedEntry>& entries = listings[g];
    size_t begin = 0;
    if (g == 0) {
      begin = static_cast<size_t>(
          std::partition_point(entries.begin(), entries.end(),
                               [&](const ListedEntry& e) { return e.position < resume_at; }) -
          entries.begin());
    }
    for (size_t round = begin; round < entries.size(); round += kValueRound) {
      const size_t end = mode == sp::ScanMode::values
                             ? std::min(entries.size(), round + kValueRound)
                             : entries.size();
      std::deque<Transfer> gets;
      if (mode == sp::ScanMode::values) {
        std::vector<Transfer*> batch;
        for (size_t i = round; i < end; ++i) {
          batch.push_back(&gets.emplace_back(Method::get, *naming_.object_url(entries[i].key)));
        }
        if (sp::Status s = client_.run(batch); !s.is_ok()) return s;
      }
      for (size_t i = round; i < end; ++i) {
        sp::ScanEntry entry;
        entry.key = entries[i].key;
        entry.value_size = entries[i].size;
        if (mode == sp::ScanMode::values) {
          Transfer& get = gets[i - round];
          if (missing(get)) continue;  // removed since the listing
          if (!get.answered_with(200)) return get.failure(client_.settings());
          entry.value = sp::as_bytes(get.body());
        }
        if (!visitor.visit(entry)) {
          cursor = i + 1 < entries.size()
                       ? make_cursor(directory, entries[i + 1].position, directory_count)
                       : make_cursor(directory + 1, 0, directory_count);
          return sp::Status::ok();
        }
      }
      if (mode != sp::ScanMode::values) break;
    }
  }
  cursor = make_cursor(first + group, 0, directory_count);
  return sp::Status::ok();
}

sp::Status HttpBackend::clear(std::string_view prefix) {
  const unsigned directory_count = naming_.directory_count();
  const auto group_size = static_cast<unsigned>(client_.settings().parallel);
  for (unsigned first = 0; first < directory_count; first += group_size) {
    const unsigned group = std::min(group_size, directory_count - first);
    std::vector<std::vector<ListedEntry>> listings;
    if (sp::Status s = list_directories(first, group, prefix, listings); !s.is_ok()) return s;
    std::vector<std::string> urls;
    for (const auto& entries : listings) {
      for (const ListedEntry& entry : entries) urls.push_back(*naming_.object_url(entry.key));
    }
    for (size_t start = 0; start < urls.size(); start += kDeleteRound) {
      const size_t end = std::min(urls.size(), start + kDeleteRound);
      std::deque<Transfer> deletes;
      std::vector<Transfer*> batch;
      for (size_t i = start; i < end; ++i) {
        batch.push_back(&deletes.emplace_back(Method::remove, std::move(urls[i])));
      }
      if (sp::Status s = client_.run(batch); !s.is_ok()) return s;
      for (Transfer* transfer : batch) {
        if (transfer->answered_with(200) || transfer->answered_with(204) || missing(*transfer)) {
          continue;
        }
        return transfer->failure(client_.settings());
      }
    }
  }
  return sp::Status::ok();
}

}  // namespace sitecache_http
