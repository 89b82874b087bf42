#include "serve/alert_forwarder.h"

#include <httplib.h>
#include <simdjson.h>
#include <sys/stat.h>

#include <chrono>
#include <cstdio>
#include <fstream>

#include "engine/json_text.h"
#include "event/document.h"

namespace picket::serve {

namespace {

std::string Base64Encode(std::string_view in) {
  static const char kTable[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    uint32_t v = (static_cast<unsigned char>(in[i]) << 16) |
                 (static_cast<unsigned char>(in[i + 1]) << 8) |
                 static_cast<unsigned char>(in[i + 2]);
    out += kTable[(v >> 18) & 63];
    out += kTable[(v >> 12) & 63];
    out += kTable[(v >> 6) & 63];
    out += kTable[v & 63];
  }
  if (i + 1 == in.size()) {
    uint32_t v = static_cast<unsigned char>(in[i]) << 16;
    out += kTable[(v >> 18) & 63];
    out += kTable[(v >> 12) & 63];
    out += "==";
  } else if (i + 2 == in.size()) {
    uint32_t v =
        (static_cast<unsigned char>(in[i]) << 16) | (static_cast<unsigned char>(in[i + 1]) << 8);
    out += kTable[(v >> 18) & 63];
    out += kTable[(v >> 12) & 63];
    out += kTable[(v >> 6) & 63];
    out += '=';
  }
  return out;
}

bool Before(const AlertLogPosition& a, const AlertLogPosition& b) {
  return a.seq < b.seq || (a.seq == b.seq && a.offset < b.offset);
}

// The file holding alert log sequence `seq`: the rotated name if it exists,
// else, when `seq` is the committed one, the current file. Returns the open
// stream.
bool OpenSeq(const std::string& path, uint64_t seq, uint64_t committed_seq, std::ifstream* in) {
  std::string rotated = path + "." + std::to_string(seq);
  in->open(rotated, std::ios::binary);
  if (in->is_open()) return true;
  if (seq != committed_seq) return false;  // an older file that is gone
  in->open(path, std::ios::binary);
  if (!in->is_open()) return false;
  // Rotated between the two opens? Then `path` is already the next file.
  struct stat st;
  if (::stat(rotated.c_str(), &st) == 0) {
    in->close();
    in->open(rotated, std::ios::binary);
  }
  return in->is_open();
}

}  // namespace

std::unique_ptr<AlertForwarder> AlertForwarder::Create(const ForwarderOptions& options,
                                                       const AlertLog* log,
                                                       const IngestWorker* worker,
                                                       ServeMetrics* metrics, std::string* error) {
  if (log->is_stdout()) {
    *error = "--forward-url needs an alert file (it is the forwarder's outbox), not stdout";
    return nullptr;
  }
  std::unique_ptr<AlertForwarder> f(new AlertForwarder());
  f->options_ = options;
  f->log_ = log;
  f->worker_ = worker;
  f->metrics_ = metrics;
  const std::string& url = options.url;
  size_t scheme_end = url.find("://");
  if (scheme_end == std::string::npos ||
      (url.compare(0, scheme_end, "http") != 0 && url.compare(0, scheme_end, "https") != 0)) {
    *error = "--forward-url must be http://HOST:PORT or https://HOST:PORT, got \"" + url + "\"";
    return nullptr;
  }
  f->host_ = url;
  while (!f->host_.empty() && f->host_.back() == '/') f->host_.pop_back();
  if (!options.api_key.empty())
    f->auth_header_ = "ApiKey " + Base64Encode(options.api_key);
  else if (!options.basic_auth.empty())
    f->auth_header_ = "Basic " + Base64Encode(options.basic_auth);

  // The cursor: "seq offset". Absent = start at the beginning of the log's
  // oldest file that this state directory wrote (seq 0 of a fresh log is
  // the current position's seq with offset 0 when nothing was rotated).
  std::ifstream in(options.cursor_path);
  unsigned long long seq = 0, offset = 0;
  if (in >> seq >> offset) {
    f->cursor_ = {seq, offset};
  } else {
    f->cursor_ = {worker->committed_position().seq, 0};
  }
  return f;
}

AlertForwarder::~AlertForwarder() { Stop(); }

void AlertForwarder::Start() {
  thread_ = std::thread([this] { Run(); });
}

void AlertForwarder::Stop() {
  if (!thread_.joinable()) return;
  stopping_ = true;
  cv_.notify_all();
  thread_.join();
}

bool AlertForwarder::SaveCursor(std::string* error) {
  std::string tmp = options_.cursor_path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << cursor_.seq << " " << cursor_.offset << "\n";
    if (!out) {
      *error = "cannot write " + tmp;
      return false;
    }
  }
  if (std::rename(tmp.c_str(), options_.cursor_path.c_str()) != 0) {
    *error = "cannot rename " + tmp;
    return false;
  }
  return true;
}

bool AlertForwarder::SendSome(bool* idle) {
  *idle = false;
  AlertLogPosition end = worker_->committed_position();
  if (!Before(cursor_, end)) {
    *idle = true;
    return true;
  }
  std::ifstream in;
  if (!OpenSeq(log_->path(), cursor_.seq, end.seq, &in)) {
    if (cursor_.seq < end.seq) {
      // Moved away before it was sent (alert_log.h: moved_at_open).
      std::fprintf(stderr,
                   "picket serve: forward: the alert file of sequence %llu is gone; its unsent "
                   "alerts are skipped\n",
                   static_cast<unsigned long long>(cursor_.seq));
      cursor_ = {cursor_.seq + 1, 0};
      std::string error;
      SaveCursor(&error);
      return true;
    }
    std::fprintf(stderr, "picket serve: forward: cannot open alert file for seq %llu\n",
                 static_cast<unsigned long long>(cursor_.seq));
    return false;
  }
  in.seekg(static_cast<std::streamoff>(cursor_.offset));
  uint64_t limit = cursor_.seq == end.seq ? end.offset : UINT64_MAX;
  std::string body, line;
  std::vector<std::string> ids;
  uint64_t offset = cursor_.offset;
  simdjson::dom::parser parser;
  while (ids.size() < options_.max_batch_alerts && offset < limit && std::getline(in, line)) {
    if (in.eof()) break;  // a line without its newline is not complete yet
    offset += line.size() + 1;
    simdjson::dom::element doc;
    std::string_view id;
    if (parser.parse(line).get(doc) != simdjson::SUCCESS ||
        !event::FirstString(doc, "kibana.alert.uuid", &id)) {
      ++metrics_->forward_errors;
      std::fprintf(stderr,
                   "picket serve: forward: skipping an alert line without "
                   "kibana.alert.uuid\n");
      continue;
    }
    // A suppressed alert is written again with its updated counts
    // (engine/alert_suppressor.h): `index` overwrites the earlier copy, and
    // the log's order leaves the newest count last.
    event::Json count;
    bool suppressed = doc["kibana.alert.suppression.docs_count"].get(count) == simdjson::SUCCESS;
    body += suppressed ? "{\"index\":{\"_index\":" : "{\"create\":{\"_index\":";
    engine::AppendJsonString(&body, options_.index);
    body += ",\"_id\":";
    engine::AppendJsonString(&body, id);
    body += "}}\n";
    body += line;
    body += '\n';
    ids.emplace_back(id);
  }
  AlertLogPosition next{cursor_.seq, offset};
  if (ids.empty()) {
    if (cursor_.seq < end.seq && offset >= cursor_.offset && !std::getline(in, line)) {
      next = {cursor_.seq + 1, 0};  // finished a rotated file
    }
    if (next.seq == cursor_.seq && next.offset == cursor_.offset) {
      *idle = true;
      return true;
    }
    cursor_ = next;
    std::string error;
    SaveCursor(&error);
    return true;
  }

  httplib::Client client(host_);
  client.set_connection_timeout(options_.timeout_seconds, 0);
  client.set_read_timeout(options_.timeout_seconds, 0);
  client.set_write_timeout(options_.timeout_seconds, 0);
  httplib::Headers headers;
  if (!auth_header_.empty()) headers.emplace("Authorization", auth_header_);
  auto res = client.Post("/_bulk", headers, body, "application/x-ndjson");
  if (!res) {
    ++metrics_->forward_errors;
    return false;
  }
  if (res->status != 200) {
    ++metrics_->forward_errors;
    if (res->status == 429 || res->status >= 500) return false;
    std::fprintf(stderr, "picket serve: forward: %s answered %d: %.200s\n", host_.c_str(),
                 res->status, res->body.c_str());
    return false;  // a misconfiguration (auth, path): keep retrying, never skip alerts
  }
  simdjson::dom::element answer;
  if (parser.parse(res->body).get(answer) != simdjson::SUCCESS) {
    ++metrics_->forward_errors;
    return false;
  }
  simdjson::dom::array items;
  if (answer["items"].get_array().get(items) != simdjson::SUCCESS) {
    ++metrics_->forward_errors;
    return false;
  }
  size_t sent = 0;
  for (simdjson::dom::element item : items) {
    int64_t status = 0;
    for (auto op : item.get_object()) {
      if (op.value["status"].get_int64().get(status) != simdjson::SUCCESS) status = 0;
    }
    if (status == 429 || status >= 500 || status == 0) return false;  // retry the slice
    if (status == 201 || status == 200 || status == 409) {
      ++sent;
    } else {
      ++metrics_->forward_errors;
      std::fprintf(stderr, "picket serve: forward: alert %s refused with status %lld\n",
                   sent < ids.size() ? ids[sent].c_str() : "?", static_cast<long long>(status));
    }
  }
  metrics_->alerts_forwarded += sent;
  cursor_ = next;
  std::string error;
  if (!SaveCursor(&error)) std::fprintf(stderr, "picket serve: forward: %s\n", error.c_str());
  return true;
}

void AlertForwarder::Run() {
  int backoff_ms = 100;
  auto deadline = std::chrono::steady_clock::time_point::max();
  while (true) {
    if (stopping_ && deadline == std::chrono::steady_clock::time_point::max())
      deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    if (std::chrono::steady_clock::now() > deadline) return;
    bool idle = false;
    bool ok = SendSome(&idle);
    if (ok && !idle) {
      backoff_ms = 100;
      continue;
    }
    if (ok && idle && stopping_) return;
    int wait_ms = ok ? 50 : backoff_ms;
    if (!ok) backoff_ms = std::min(backoff_ms * 2, 5000);
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, std::chrono::milliseconds(wait_ms), [&] { return stopping_.load() && ok; });
  }
}

}  // namespace picket::serve
