// bulk_load: a load generator for `picket serve` (or any Elasticsearch
// _bulk endpoint) that is never the bottleneck: every request (headers and
// body) is built before timing starts, and each connection is one blocking
// keep-alive socket on its own thread that only writes bytes and reads the
// answer.
//
//   bulk_load --port P --events FILE [--host 127.0.0.1] [--connections 4]
//             [--batch 1000] [--rate EVENTS_PER_S] [--limit N]
//
// Each event line goes to the index of its data stream
// ({"create":{"_index":"<type>-<dataset>-<namespace>"}}), as Elastic Agent
// writes it. Bodies are taken in file order from one shared counter, so
// with one connection the events arrive in file order. 429 answers are
// retried after 5 ms (counted). Latency is per request, from the moment it
// is sent (or, with --rate, from the moment it was due, so a server that
// falls behind is charged for the wait: no coordinated omission) to the
// last byte of the answer, which picket sends only once the request's
// alerts and state are durable.
//
// Prints a summary to stderr and one JSON object to stdout:
// {"events","requests","seconds","events_per_s","mb_per_s","p50_ms","p99_ms",
//  "max_ms","retries_429","failed"}. Exit 1 when a request failed.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <simdjson.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  std::string host = "127.0.0.1";
  int port = 0;
  std::string events;
  int connections = 4;
  size_t batch = 1000;
  double rate = 0;  // events/s in total; 0 = as fast as answered
  size_t limit = 0;
};

[[noreturn]] void Usage(const char* why) {
  std::fprintf(stderr,
               "bulk_load: %s\nusage: bulk_load --port P --events FILE [--host H] "
               "[--connections N] [--batch N] [--rate EVENTS_PER_S] [--limit N]\n",
               why);
  std::exit(2);
}

Options Parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) Usage(("missing value for " + a).c_str());
      return argv[++i];
    };
    if (a == "--host")
      o.host = value();
    else if (a == "--port")
      o.port = std::atoi(value().c_str());
    else if (a == "--events")
      o.events = value();
    else if (a == "--connections")
      o.connections = std::atoi(value().c_str());
    else if (a == "--batch")
      o.batch = std::strtoull(value().c_str(), nullptr, 10);
    else if (a == "--rate")
      o.rate = std::atof(value().c_str());
    else if (a == "--limit")
      o.limit = std::strtoull(value().c_str(), nullptr, 10);
    else
      Usage(("unknown option " + a).c_str());
  }
  if (o.port <= 0 || o.events.empty() || o.connections < 1 || o.batch < 1)
    Usage("--port and --events are required");
  return o;
}

// "<type>-<dataset>-<namespace>" of the event's data_stream, else a
// catch-all index (rules scoped to other indices will not see it).
std::string IndexOf(simdjson::dom::parser& parser, std::string_view line) {
  simdjson::dom::element doc;
  if (parser.parse(line.data(), line.size()).get(doc) != simdjson::SUCCESS) return "logs-x-default";
  std::string_view t, d, n;
  if (doc["data_stream"]["type"].get(t) || doc["data_stream"]["dataset"].get(d) ||
      doc["data_stream"]["namespace"].get(n))
    return "logs-x-default";
  return std::string(t) + "-" + std::string(d) + "-" + std::string(n);
}

struct Request {
  std::string bytes;  // head and body
  size_t events = 0;
};

std::vector<Request> BuildRequests(const Options& o, size_t* total_events, size_t* body_bytes) {
  std::ifstream in(o.events, std::ios::binary);
  if (!in) Usage(("cannot read " + o.events).c_str());
  simdjson::dom::parser parser;
  std::vector<Request> out;
  std::string body, line;
  size_t in_body = 0;
  auto finish = [&] {
    if (!in_body) return;
    Request r;
    r.events = in_body;
    r.bytes =
        "POST /_bulk HTTP/1.1\r\nHost: " + o.host +
        "\r\nContent-Type: application/x-ndjson\r\nContent-Length: " + std::to_string(body.size()) +
        "\r\n\r\n" + body;
    *body_bytes += body.size();
    out.push_back(std::move(r));
    body.clear();
    in_body = 0;
  };
  *total_events = 0;
  *body_bytes = 0;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    if (o.limit && *total_events >= o.limit) break;
    body += "{\"create\":{\"_index\":\"" + IndexOf(parser, line) + "\"}}\n";
    body += line;
    body += '\n';
    ++*total_events;
    if (++in_body == o.batch) finish();
  }
  finish();
  return out;
}

int Connect(const Options& o) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(o.port));
  if (fd < 0 || ::inet_pton(AF_INET, o.host.c_str(), &addr.sin_addr) != 1 ||
      ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    std::perror("bulk_load: connect");
    std::exit(1);
  }
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  return fd;
}

bool SendAll(int fd, const std::string& data) {
  size_t sent = 0;
  while (sent < data.size()) {
    ssize_t n = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return false;
    sent += static_cast<size_t>(n);
  }
  return true;
}

// Reads one answer; returns its status (0 on a broken connection) and
// whether the bulk answer reported item errors.
int ReadAnswer(int fd, std::string* buffer, bool* item_errors) {
  size_t head_end;
  char chunk[65536];
  while ((head_end = buffer->find("\r\n\r\n")) == std::string::npos) {
    ssize_t n = ::recv(fd, chunk, sizeof(chunk), 0);
    if (n <= 0) return 0;
    buffer->append(chunk, static_cast<size_t>(n));
  }
  int status = std::atoi(buffer->c_str() + 9);
  size_t length = 0;
  std::string head = buffer->substr(0, head_end);
  for (char& c : head) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  size_t cl = head.find("content-length:");
  if (cl != std::string::npos) length = std::strtoull(head.c_str() + cl + 15, nullptr, 10);
  size_t total = head_end + 4 + length;
  while (buffer->size() < total) {
    ssize_t n = ::recv(fd, chunk, sizeof(chunk), 0);
    if (n <= 0) return 0;
    buffer->append(chunk, static_cast<size_t>(n));
  }
  std::string_view body(buffer->data() + head_end + 4, length);
  *item_errors = body.substr(0, 64).find("\"errors\":true") != std::string_view::npos;
  buffer->erase(0, total);
  return status;
}

double Percentile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t k = static_cast<size_t>(q * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(k, v.size() - 1)];
}

}  // namespace

int main(int argc, char** argv) {
  Options o = Parse(argc, argv);
  size_t events = 0, body_bytes = 0;
  std::vector<Request> requests = BuildRequests(o, &events, &body_bytes);
  if (requests.empty()) Usage("no events in the file");

  std::atomic<size_t> next{0};
  std::atomic<uint64_t> retries{0}, failed{0};
  std::mutex mu;
  std::vector<double> latencies;
  std::vector<int> fds;
  for (int c = 0; c < o.connections; ++c) fds.push_back(Connect(o));
  double seconds_per_event = o.rate > 0 ? 1.0 / o.rate : 0;
  // Request i is due at start + (events before it) / rate.
  std::vector<double> due(requests.size(), 0);
  for (size_t i = 1; i < requests.size(); ++i)
    due[i] = due[i - 1] + static_cast<double>(requests[i - 1].events) * seconds_per_event;

  auto start = Clock::now();
  std::vector<std::thread> threads;
  for (int c = 0; c < o.connections; ++c) {
    threads.emplace_back([&, fd = fds[c]] {
      std::vector<double> mine;
      std::string buffer;
      for (size_t i; (i = next.fetch_add(1)) < requests.size();) {
        Clock::time_point t0 = Clock::now();
        if (o.rate > 0) {
          Clock::time_point at = start + std::chrono::duration_cast<Clock::duration>(
                                             std::chrono::duration<double>(due[i]));
          if (at > t0) std::this_thread::sleep_until(at);
          t0 = at;
        }
        for (;;) {
          bool item_errors = false;
          if (!SendAll(fd, requests[i].bytes)) {
            ++failed;
            return;
          }
          int status = ReadAnswer(fd, &buffer, &item_errors);
          if (status == 429) {
            ++retries;
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
            continue;
          }
          if (status != 200 || item_errors) ++failed;
          break;
        }
        mine.push_back(std::chrono::duration<double>(Clock::now() - t0).count());
      }
      std::lock_guard<std::mutex> lock(mu);
      latencies.insert(latencies.end(), mine.begin(), mine.end());
    });
  }
  for (auto& t : threads) t.join();
  double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  for (int fd : fds) ::close(fd);

  double eps = static_cast<double>(events) / seconds;
  double p50 = Percentile(latencies, 0.5) * 1e3, p99 = Percentile(latencies, 0.99) * 1e3;
  double max = latencies.empty() ? 0 : *std::max_element(latencies.begin(), latencies.end()) * 1e3;
  std::fprintf(stderr,
               "bulk_load: %zu events in %zu requests over %d connections: %.2f s, %.0f events/s "
               "(%.1f MB/s); request -> durable p50 %.1f ms, p99 %.1f ms, max %.1f ms; %llu "
               "retries after 429, %llu failed\n",
               events, requests.size(), o.connections, seconds, eps,
               static_cast<double>(body_bytes) / seconds / 1e6, p50, p99, max,
               static_cast<unsigned long long>(retries.load()),
               static_cast<unsigned long long>(failed.load()));
  std::printf(
      "{\"events\":%zu,\"requests\":%zu,\"connections\":%d,\"seconds\":%.4f,\"events_per_s\":%.0f,"
      "\"mb_per_s\":%.2f,\"p50_ms\":%.2f,\"p99_ms\":%.2f,\"max_ms\":%.2f,\"retries_429\":%llu,"
      "\"failed\":%llu}\n",
      events, requests.size(), o.connections, seconds, eps,
      static_cast<double>(body_bytes) / seconds / 1e6, p50, p99, max,
      static_cast<unsigned long long>(retries.load()),
      static_cast<unsigned long long>(failed.load()));
  return failed.load() ? 1 : 0;
}
