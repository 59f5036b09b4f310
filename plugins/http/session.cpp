#include "session.hpp"

#include <algorithm>
#include <string>
#include <utility>

namespace sitecache_http {

namespace {

// The longest curl_multi_poll waits without news; curl's own timers (timeouts) wake it
// sooner, so this only bounds a wait curl does not know about.
constexpr int kPollMs = 1000;
// Response buffers larger than this are freed rather than kept for the next transfer, so
// an idle session holds at most `parallel` times this much.
constexpr size_t kMaxSpareCapacity = 1 << 20;

}  // namespace

std::unique_ptr<Session> Session::make(const Settings& settings) {
  curl_slist* headers = Transfer::common_headers(settings);
  if (headers == nullptr) return nullptr;
  CURLM* multi = curl_multi_init();
  if (multi == nullptr) {
    curl_slist_free_all(headers);
    return nullptr;
  }
  // Keep one kept-alive connection per concurrent transfer.
  curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, static_cast<long>(settings.parallel));
  return std::unique_ptr<Session>(new Session(multi, headers, settings));
}

Session::~Session() {
  for (CURL* easy : all_) curl_easy_cleanup(easy);
  curl_multi_cleanup(multi_);
  curl_slist_free_all(headers_);
}

CURL* Session::take_easy() {
  if (!idle_.empty()) {
    CURL* easy = idle_.back();
    idle_.pop_back();
    return easy;
  }
  CURL* easy = curl_easy_init();
  if (easy == nullptr) return nullptr;
  if (!Transfer::configure_handle(easy, settings_)) {
    curl_easy_cleanup(easy);
    return nullptr;
  }
  all_.push_back(easy);
  return easy;
}

void Session::recycle(std::string buffer, size_t parallel) {
  if (buffer.capacity() == 0 || buffer.capacity() > kMaxSpareCapacity) return;
  if (spare_buffers_.size() >= parallel) return;
  spare_buffers_.push_back(std::move(buffer));
}

void Session::perform(std::span<Transfer* const> transfers,
                      const std::function<void(Transfer&)>& on_answer) {
  const Settings& settings = settings_;
  std::vector<std::pair<CURL*, Transfer*>> active;
  size_t next = 0;
  std::string stop_reason;  // set when a timeout ends the batch
  while (true) {
    while (stop_reason.empty() && active.size() < settings.parallel && next < transfers.size()) {
      Transfer* transfer = transfers[next++];
      CURL* easy = take_easy();
      if (easy == nullptr) {
        transfer->skip("could not make a curl handle (curl_easy_init)");
        continue;
      }
      if (on_answer && !spare_buffers_.empty()) {
        transfer->lend_body_buffer(std::move(spare_buffers_.back()));
        spare_buffers_.pop_back();
      }
      if (!transfer->attach(easy, headers_)) {
        idle_.push_back(easy);
        continue;
      }
      if (curl_multi_add_handle(multi_, easy) != CURLM_OK) {
        transfer->skip("curl_multi_add_handle failed");
        idle_.push_back(easy);
        continue;
      }
      active.emplace_back(easy, transfer);
    }
    if (active.empty()) break;

    int running = 0;
    const CURLMcode code = curl_multi_perform(multi_, &running);
    if (code != CURLM_OK) {
      stop_reason = std::string("curl_multi_perform: ") + curl_multi_strerror(code);
      break;
    }
    bool finished = false;
    int queued = 0;
    while (CURLMsg* message = curl_multi_info_read(multi_, &queued)) {
      if (message->msg != CURLMSG_DONE) continue;
      // The message does not survive curl_multi_remove_handle: read it first.
      CURL* easy = message->easy_handle;
      const CURLcode result = message->data.result;
      auto it = std::find_if(active.begin(), active.end(),
                             [easy](const auto& entry) { return entry.first == easy; });
      if (it == active.end()) continue;
      Transfer* transfer = it->second;
      transfer->complete(result);
      curl_multi_remove_handle(multi_, easy);
      // The handle outlives the transfer: it must not keep its error buffer.
      curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, static_cast<char*>(nullptr));
      idle_.push_back(easy);
      active.erase(it);
      finished = true;
      if (on_answer) {
        if (transfer->outcome() == Outcome::answered && !transfer->retryable()) {
          on_answer(*transfer);
        }
        recycle(transfer->take_body_buffer(), settings.parallel);
      }
      if (transfer->outcome() == Outcome::timed_out && stop_reason.empty()) {
        stop_reason = "not sent: " + std::string(method_name(transfer->method())) + " " +
                      transfer->url() + " timed out";
      }
    }
    if (!stop_reason.empty()) break;
    if (!finished) curl_multi_poll(multi_, nullptr, 0, kPollMs, nullptr);
  }
  // Cancel whatever is left after a timeout or a multi failure.
  for (auto& [easy, transfer] : active) {
    curl_multi_remove_handle(multi_, easy);
    curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, static_cast<char*>(nullptr));
    transfer->skip(stop_reason);
    idle_.push_back(easy);
  }
  for (; next < transfers.size(); ++next) transfers[next]->skip(stop_reason);
}

}  // namespace sitecache_http
