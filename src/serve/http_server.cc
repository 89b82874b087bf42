#include "serve/http_server.h"

#include <boost/algorithm/string.hpp>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "serve/connection_registry.h"
#include "serve/content_decoding.h"
#include "serve/es_api.h"
#include "util/time.h"

namespace picket::serve {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using error_code = beast::error_code;

namespace {

// A connection as the server sees it, whatever its stream type.
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  virtual ~Connection() = default;
  virtual void Start() = 0;
  // Closes the connection if it is idle, else after its current answer.
  virtual void Evict() = 0;
  // Server stop: closes it unless a queued request awaits its answer (that
  // one is answered, with Connection: close).
  virtual void Shutdown() = 0;
  // Answers `reply` without reading anything, then closes (connection caps).
  virtual void Refuse(ApiReply reply) = 0;
};

// What the framing errors of Beast's parser mean, for the 400 answer.
std::string FramingProblem(const error_code& ec) {
  if (ec == http::error::bad_content_length)
    return "invalid or conflicting Content-Length, or Content-Length with Transfer-Encoding "
           "(RFC 9112 6.1, 6.3)";
  if (ec == http::error::bad_transfer_encoding)
    return "invalid Transfer-Encoding, or Transfer-Encoding with Content-Length (RFC 9112 6.1)";
  if (ec == http::error::bad_chunk || ec == http::error::bad_chunk_extension)
    return "invalid chunk size or chunk extension (RFC 9112 7.1)";
  if (ec == http::error::bad_field) return "invalid header field name (RFC 9112 5.1)";
  if (ec == http::error::bad_value) return "invalid header field value (RFC 9112 5.5)";
  if (ec == http::error::bad_method || ec == http::error::bad_target)
    return "invalid request line (RFC 9112 3)";
  if (ec == http::error::bad_line_ending) return "invalid line ending (RFC 9112 2.2)";
  return ec.message();
}

bool IsDisconnect(const error_code& ec) {
  return ec == http::error::end_of_stream || ec == http::error::partial_message ||
         ec == asio::error::eof || ec == asio::error::connection_reset ||
         ec == asio::error::operation_aborted || ec == asio::error::bad_descriptor ||
         ec == asio::ssl::error::stream_truncated ||
         ec.category() == asio::error::get_ssl_category();
}

// The Transfer-Encoding field's codings, lower-cased.
std::vector<std::string> TransferCodings(beast::string_view value) {
  std::vector<std::string> out;
  for (auto token : http::token_list{value}) {
    out.push_back(boost::algorithm::to_lower_copy(std::string(token.data(), token.size())));
  }
  return out;
}

}  // namespace

class HttpServer::Impl {
 public:
  Impl(HttpOptions options, IngestQueue* queue, IngestWorker* worker, ServeMetrics* metrics,
       Authenticator auth, std::function<std::string()> extra_stats_json,
       std::function<std::string()> extra_prometheus)
      : options(std::move(options)),
        api(EsApiSettings{this->options.node_name, this->options.cluster_name, "",
                          this->options.max_body_bytes},
            queue, worker, metrics, std::move(auth), std::move(extra_stats_json),
            std::move(extra_prometheus)),
        metrics(metrics),
        acceptor(ioc),
        registry(this->options.max_connections, this->options.max_client_connections) {}

  bool Bind(std::string* error);
  void Run();
  void Stop();
  void Accept();
  void Register(uint64_t id, std::weak_ptr<Connection> c);
  void Unregister(uint64_t id);
  bool stopping() const { return stopping_.load(); }

  HttpOptions options;
  EsApi api;
  ServeMetrics* metrics;
  asio::io_context ioc;
  tcp::acceptor acceptor;
  std::optional<asio::ssl::context> tls;
  ConnectionRegistry registry;
  int port = 0;

 private:
  std::mutex mu_;
  std::map<uint64_t, std::weak_ptr<Connection>> connections_;
  std::atomic<bool> stopping_{false};
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> guard_;
};

namespace {

template <bool kTls>
class Session : public Connection {
 public:
  using Stream = std::conditional_t<kTls, asio::ssl::stream<tcp::socket>, tcp::socket>;

  Session(HttpServer::Impl* server, tcp::socket socket, uint64_t id)
      : server_(server),
        stream_(MakeStream(server, std::move(socket))),
        deadline_(stream_.get_executor()),
        id_(id) {}

  void Start() override {
    if constexpr (kTls) {
      state_ = State::kReading;  // the handshake counts as reading a request
      Arm(server_->options.read_timeout_seconds);
      stream_.async_handshake(asio::ssl::stream_base::server,
                              [self = Self()](const error_code& ec) {
                                if (ec) return self->Close();
                                self->WaitForRequest();
                              });
    } else {
      WaitForRequest();
    }
  }

  void Evict() override {
    asio::post(stream_.get_executor(), [self = Self()] {
      if (self->state_ == State::kIdle) {
        ++self->server_->metrics->connections_evicted;
        self->Close();
      } else {
        self->close_after_answer_ = true;
      }
    });
  }

  void Shutdown() override {
    asio::post(stream_.get_executor(), [self = Self()] {
      if (self->state_ == State::kWaiting || self->state_ == State::kWriting)
        self->close_after_answer_ = true;
      else
        self->Close();
    });
  }

  void Refuse(ApiReply reply) override {
    if constexpr (kTls) {
      Close();  // an HTTP answer would first need a handshake
    } else {
      Write(std::move(reply), /*close=*/true);
    }
  }

 private:
  enum class State { kIdle, kReading, kWaiting, kWriting, kClosed };

  static Stream MakeStream(HttpServer::Impl* server, tcp::socket socket) {
    if constexpr (kTls)
      return Stream(std::move(socket), *server->tls);
    else
      return socket;
  }
  std::shared_ptr<Session> Self() { return std::static_pointer_cast<Session>(shared_from_this()); }
  tcp::socket& Socket() { return beast::get_lowest_layer(stream_); }

  // One deadline at a time; a newer Arm or Disarm makes older ones moot.
  void Arm(int seconds) {
    ++deadline_generation_;
    deadline_.expires_after(std::chrono::seconds(seconds));
    deadline_.async_wait([self = Self(), generation = deadline_generation_](const error_code& ec) {
      if (ec || generation != self->deadline_generation_ || self->state_ == State::kClosed) return;
      if (self->state_ != State::kIdle) ++self->server_->metrics->requests_timed_out;
      self->Close();
    });
  }
  void Disarm() {
    ++deadline_generation_;
    deadline_.cancel();
  }

  void Close() {
    if (state_ == State::kClosed) return;
    state_ = State::kClosed;
    Disarm();
    error_code ignored;
    Socket().shutdown(tcp::socket::shutdown_both, ignored);
    Socket().close(ignored);
    if (id_) server_->Unregister(id_);
  }

  // After a response with Connection: close. Plain TCP: stop sending, then
  // read and drop what the client still sends for a moment, so that an
  // unread request body does not turn the close into a reset that would
  // destroy the answer before the client reads it. TLS: close_notify.
  void CloseGracefully() {
    Arm(2);
    if constexpr (kTls) {
      stream_.async_shutdown([self = Self()](const error_code&) { self->Close(); });
    } else {
      error_code ignored;
      Socket().shutdown(tcp::socket::shutdown_send, ignored);
      Drain();
    }
  }
  void Drain() {
    drain_buffer_.resize(64 << 10);
    Socket().async_read_some(asio::buffer(drain_buffer_),
                             [self = Self()](const error_code& ec, size_t n) {
                               self->drained_ += n;
                               if (ec || self->drained_ > (16u << 20)) return self->Close();
                               self->Drain();
                             });
  }

  void WaitForRequest() {
    if (state_ == State::kClosed) return;
    if (close_after_answer_ || server_->stopping()) return Close();
    if (buffer_.size() > 0) return BeginRequest();  // pipelined
    state_ = State::kIdle;
    if (id_) server_->registry.MarkIdle(id_, true);
    Arm(server_->options.idle_timeout_seconds);
    stream_.async_read_some(buffer_.prepare(4096), [self = Self()](const error_code& ec, size_t n) {
      if (ec) return self->Close();
      self->buffer_.commit(n);
      self->BeginRequest();
    });
  }

  void BeginRequest() {
    if (state_ == State::kClosed) return;
    if (id_) server_->registry.MarkIdle(id_, false);
    state_ = State::kReading;
    Arm(server_->options.read_timeout_seconds);
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(server_->options.max_header_bytes));
    parser_->body_limit(server_->options.max_body_bytes);
    http::async_read_header(stream_, buffer_, *parser_,
                            [self = Self()](const error_code& ec, size_t) { self->OnHeader(ec); });
  }

  void OnHeader(const error_code& ec) {
    if (state_ == State::kClosed) return;
    if (ec) return OnReadError(ec);
    auto& req = parser_->get();
    version_ = req.version();
    head_ = req.method() == http::verb::head;
    keep_alive_ = req.keep_alive();
    if (version_ != 10 && version_ != 11)
      return Malformed(505, "HTTP version " + std::to_string(version_ / 10) + "." +
                                std::to_string(version_ % 10) + " is not supported");
    size_t hosts = req.count(http::field::host);
    if (version_ == 11 && hosts != 1)
      return Malformed(400, hosts == 0 ? "an HTTP/1.1 request needs a Host header (RFC 9112 3.2)"
                                       : "more than one Host header (RFC 9112 3.2)");
    if (req.count(http::field::transfer_encoding)) {
      std::vector<std::string> codings;
      auto [first, last] = req.equal_range(http::field::transfer_encoding);
      for (auto it = first; it != last; ++it)
        for (auto& c : TransferCodings(it->value())) codings.push_back(c);
      if (version_ == 10)
        return Malformed(400, "Transfer-Encoding in an HTTP/1.0 request (RFC 9112 6.1)");
      if (!parser_->chunked())
        return Malformed(400,
                         "chunked must be the final transfer coding of a request "
                         "(RFC 9112 6.3)");
      if (codings.size() != 1)
        return Malformed(501, "transfer codings other than chunked are not implemented");
    }
    auto length = parser_->content_length();
    bool has_body = parser_->chunked() || (length && *length > 0);
    std::string_view target(req.target().data(), req.target().size());
    path_ = std::string(target.substr(0, target.find('?')));
    method_ = std::string(req.method_string());
    std::optional<std::string_view> content_type;
    if (auto it = req.find(http::field::content_type); it != req.end())
      content_type = std::string_view(it->value().data(), it->value().size());
    auto authorization = req[http::field::authorization];
    if (auto refusal = server_->api.Admit(
            method_, path_, std::string_view(authorization.data(), authorization.size()),
            content_type, has_body)) {
      ++server_->metrics->http_requests;
      // The body, if any, was not read: the connection cannot go on.
      return Write(std::move(*refusal), /*close=*/has_body);
    }
    if (auto expect = req[http::field::expect]; !expect.empty()) {
      if (!beast::iequals(expect, "100-continue"))
        return Malformed(417, "unsupported expectation [" + std::string(expect) + "]");
      if (has_body) {
        auto interim =
            std::make_shared<http::response<http::empty_body>>(http::status::continue_, version_);
        http::async_write(stream_, *interim,
                          [self = Self(), interim](const error_code& ec, size_t) {
                            if (ec) return self->Close();
                            self->ReadBody();
                          });
        return;
      }
    }
    ReadBody();
  }

  void ReadBody() {
    http::async_read(stream_, buffer_, *parser_,
                     [self = Self()](const error_code& ec, size_t) { self->OnBody(ec); });
  }

  void OnBody(const error_code& ec) {
    if (state_ == State::kClosed) return;
    if (ec) return OnReadError(ec);
    Disarm();
    auto req = parser_->release();
    parser_.reset();
    ApiRequest request;
    request.method = method_;
    request.path = path_;
    request.received = std::chrono::steady_clock::now();
    request.arrival_ms = NowMs();
    auto encoding = req[http::field::content_encoding];
    DecodeResult decoded =
        DecodeContent(std::string_view(encoding.data(), encoding.size()), std::move(req.body()),
                      server_->options.max_body_bytes, &request.body);
    if (decoded.status != DecodeStatus::kOk) {
      ++server_->metrics->http_requests;
      ++server_->metrics->bulk_rejected_other;
      int status = decoded.status == DecodeStatus::kTooLarge      ? 413
                   : decoded.status == DecodeStatus::kUnsupported ? 415
                                                                  : 400;
      const char* type = status == 413   ? "content_too_long_exception"
                         : status == 415 ? "illegal_argument_exception"
                                         : "parse_exception";
      return Write(EsApi::Error(status, type, decoded.message), /*close=*/false);
    }
    state_ = State::kWaiting;
    auto reply = server_->api.Handle(std::move(request), [self = Self()](ApiReply r) {
      asio::post(self->stream_.get_executor(),
                 [self, r = std::move(r)]() mutable { self->Write(std::move(r), false); });
    });
    if (reply) Write(std::move(*reply), false);
  }

  void OnReadError(const error_code& ec) {
    if (ec == http::error::body_limit) {
      ++server_->metrics->http_requests;
      ++server_->metrics->bulk_rejected_other;
      return Write(EsApi::Error(413, "content_too_long_exception",
                                "request body is larger than the limit of " +
                                    std::to_string(server_->options.max_body_bytes) +
                                    " bytes (--max-body-bytes)"),
                   /*close=*/true);
    }
    if (ec == http::error::header_limit)
      return Malformed(431, "request header larger than " +
                                std::to_string(server_->options.max_header_bytes) + " bytes");
    if (IsDisconnect(ec)) return Close();
    if (ec == http::error::bad_version && NamesAnotherHttpVersion())
      return Malformed(505, "the HTTP version is not supported (HTTP/1.0 and HTTP/1.1 are)");
    Malformed(400, FramingProblem(ec));
  }

  // Whether the unparsed request line ends in a well-formed HTTP-version
  // (RFC 9112 2.3) that is not 1.x: 505 rather than 400.
  bool NamesAnotherHttpVersion() const {
    std::string_view data(static_cast<const char*>(buffer_.data().data()), buffer_.size());
    std::string_view line = data.substr(0, data.find("\r\n"));
    std::string_view version = line.substr(line.rfind(' ') + 1);
    auto digit = [](char c) { return c >= '0' && c <= '9'; };
    return version.size() == 8 && version.substr(0, 5) == "HTTP/" && digit(version[5]) &&
           version[6] == '.' && digit(version[7]) && version[5] != '1';
  }

  // A request whose framing cannot be trusted: answered, then closed.
  void Malformed(int status, const std::string& reason) {
    ++server_->metrics->http_requests;
    ++server_->metrics->requests_malformed;
    if (version_ != 10 && version_ != 11) version_ = 11;
    Write(EsApi::Error(status, "illegal_argument_exception", "malformed HTTP request: " + reason),
          /*close=*/true);
  }

  void Write(ApiReply reply, bool close) {
    if (state_ == State::kClosed) return;
    state_ = State::kWriting;
    if (close) close_after_answer_ = true;
    auto res = std::make_shared<http::response<http::string_body>>(
        static_cast<http::status>(reply.status), version_ ? version_ : 11);
    res->set("X-Elastic-Product", "Elasticsearch");
    res->set(http::field::content_type, reply.content_type);
    for (auto& [name, value] : reply.headers) res->insert(name, value);
    res->keep_alive(keep_alive_ && !close_after_answer_ && !server_->stopping());
    if (head_) {
      res->content_length(reply.body.size());  // the GET's length, no body
    } else {
      res->body() = std::move(reply.body);
      res->prepare_payload();
    }
    Arm(server_->options.write_timeout_seconds);
    http::async_write(stream_, *res, [self = Self(), res](const error_code& ec, size_t) {
      if (ec) return self->Close();
      self->Disarm();
      if (res->need_eof()) return self->CloseGracefully();
      self->head_ = false;
      self->WaitForRequest();
    });
  }

  HttpServer::Impl* server_;
  Stream stream_;
  asio::steady_timer deadline_;
  uint64_t deadline_generation_ = 0;
  uint64_t id_;
  State state_ = State::kReading;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::string method_, path_;
  unsigned version_ = 11;
  bool head_ = false;
  bool keep_alive_ = true;
  bool close_after_answer_ = false;
  std::string drain_buffer_;
  size_t drained_ = 0;
};

}  // namespace

bool HttpServer::Impl::Bind(std::string* error) {
  if (!options.tls_cert.empty() || !options.tls_key.empty()) {
    if (options.tls_cert.empty() || options.tls_key.empty()) {
      *error = "TLS needs both --tls-cert and --tls-key";
      return false;
    }
    tls.emplace(asio::ssl::context::tls_server);
    error_code ec;
    tls->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                         asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                         asio::ssl::context::no_tlsv1_1,
                     ec);
    tls->use_certificate_chain_file(options.tls_cert, ec);
    if (!ec) tls->use_private_key_file(options.tls_key, asio::ssl::context::pem, ec);
    if (ec) {
      *error = "cannot load TLS certificate " + options.tls_cert + " / key " + options.tls_key +
               ": " + ec.message();
      return false;
    }
  }
  error_code ec;
  auto address =
      asio::ip::make_address(options.host == "localhost" ? "127.0.0.1" : options.host, ec);
  if (ec) {
    *error = "cannot listen on " + options.host + ": not an IP address";
    return false;
  }
  tcp::endpoint endpoint(address, static_cast<unsigned short>(options.port));
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    *error = "cannot listen on " + options.host + ":" + std::to_string(options.port) + " (" +
             ec.message() + ")";
    return false;
  }
  port = acceptor.local_endpoint().port();
  api.set_publish_address(options.host + ":" + std::to_string(port));
  return true;
}

void HttpServer::Impl::Accept() {
  acceptor.async_accept(asio::make_strand(ioc), [this](const error_code& ec, tcp::socket socket) {
    if (ec) {
      if (ec == asio::error::operation_aborted || !acceptor.is_open()) return;
      // EMFILE and the like: keep accepting; the failure is the kernel's.
      return Accept();
    }
    ++metrics->connections_accepted;
    error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    auto remote = socket.remote_endpoint(ignored);
    std::string client = ignored ? "?" : remote.address().to_string();
    ConnectionRegistry::Admission admission = registry.Admit(client);
    std::vector<std::shared_ptr<Connection>> evicted;
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (uint64_t id : admission.evicted) {
        auto it = connections_.find(id);
        if (it == connections_.end()) continue;
        if (auto c = it->second.lock()) evicted.push_back(std::move(c));
        connections_.erase(it);
      }
    }
    for (auto& c : evicted) c->Evict();
    std::shared_ptr<Connection> connection;
    uint64_t id = admission.admitted ? admission.id : 0;
    if (tls)
      connection = std::make_shared<Session<true>>(this, std::move(socket), id);
    else
      connection = std::make_shared<Session<false>>(this, std::move(socket), id);
    if (!admission.admitted) {
      ++metrics->connections_refused;
      connection->Refuse(EsApi::Error(429, "es_rejected_execution_exception",
                                      "rejected execution: " + admission.refusal));
    } else {
      Register(id, connection);
      connection->Start();
    }
    Accept();
  });
}

void HttpServer::Impl::Register(uint64_t id, std::weak_ptr<Connection> c) {
  std::lock_guard<std::mutex> lock(mu_);
  connections_[id] = std::move(c);
  metrics->connections_open = registry.open();
}

void HttpServer::Impl::Unregister(uint64_t id) {
  registry.Remove(id);
  std::lock_guard<std::mutex> lock(mu_);
  connections_.erase(id);
  metrics->connections_open = registry.open();
  if (stopping_ && connections_.empty()) guard_.reset();
}

void HttpServer::Impl::Run() {
  guard_.emplace(ioc.get_executor());
  Accept();
  int threads = std::max(1, options.threads);
  std::vector<std::thread> pool;
  for (int i = 1; i < threads; ++i) pool.emplace_back([this] { ioc.run(); });
  ioc.run();
  for (auto& t : pool) t.join();
}

void HttpServer::Impl::Stop() {
  asio::post(ioc, [this] {
    if (stopping_.exchange(true)) return;
    error_code ignored;
    acceptor.close(ignored);
    std::vector<std::shared_ptr<Connection>> open;
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (auto& [id, weak] : connections_)
        if (auto c = weak.lock()) open.push_back(std::move(c));
      if (connections_.empty()) guard_.reset();
    }
    for (auto& c : open) c->Shutdown();
  });
}

HttpServer::HttpServer(HttpOptions options, IngestQueue* queue, IngestWorker* worker,
                       ServeMetrics* metrics, Authenticator auth,
                       std::function<std::string()> extra_stats_json,
                       std::function<std::string()> extra_prometheus)
    : impl_(std::make_unique<Impl>(std::move(options), queue, worker, metrics, std::move(auth),
                                   std::move(extra_stats_json), std::move(extra_prometheus))) {}

HttpServer::~HttpServer() = default;
bool HttpServer::Bind(std::string* error) { return impl_->Bind(error); }
int HttpServer::port() const { return impl_->port; }
void HttpServer::Run() { impl_->Run(); }
void HttpServer::Stop() { impl_->Stop(); }

}  // namespace picket::serve
