#include "redis/connection.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

namespace picket::redis {

namespace {

using Clock = std::chrono::steady_clock;

int RemainingMs(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return left.count() > 0 ? static_cast<int>(left.count()) : 0;
}

std::string SslErrors() {
  std::string out;
  while (unsigned long e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    if (!out.empty()) out += "; ";
    out += buf;
  }
  return out.empty() ? "unknown TLS error" : out;
}

bool IsIpAddress(const std::string& host) {
  unsigned char buf[sizeof(struct in6_addr)];
  return inet_pton(AF_INET, host.c_str(), buf) == 1 || inet_pton(AF_INET6, host.c_str(), buf) == 1;
}

// A non-blocking TCP connection to host:port within timeout_ms, or -1.
int ConnectTcp(const std::string& host, int port, int timeout_ms, std::string* error) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  std::string service = std::to_string(port);
  int rc = getaddrinfo(host.c_str(), service.c_str(), &hints, &found);
  if (rc != 0) {
    *error = "cannot resolve " + host + ": " + gai_strerror(rc);
    return -1;
  }
  auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  int fd = -1;
  std::string last = "no address";
  for (addrinfo* a = found; a && fd < 0; a = a->ai_next) {
    int s = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
    if (s < 0) {
      last = std::strerror(errno);
      continue;
    }
    if (connect(s, a->ai_addr, a->ai_addrlen) != 0 && errno != EINPROGRESS) {
      last = std::strerror(errno);
      close(s);
      continue;
    }
    pollfd p{s, POLLOUT, 0};
    int ready = poll(&p, 1, RemainingMs(deadline));
    int so_error = 0;
    socklen_t len = sizeof so_error;
    if (ready <= 0) {
      last = ready == 0 ? "connect timed out" : std::strerror(errno);
    } else if (getsockopt(s, SOL_SOCKET, SO_ERROR, &so_error, &len) != 0 || so_error != 0) {
      last = std::strerror(so_error ? so_error : errno);
    } else {
      fd = s;
      break;
    }
    close(s);
  }
  freeaddrinfo(found);
  if (fd < 0) {
    *error = "cannot connect to " + host + ":" + service + ": " + last;
    return -1;
  }
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one);
  return fd;
}

}  // namespace

std::shared_ptr<TlsContext> TlsContext::Create(const TlsOptions& options, std::string* error) {
  std::shared_ptr<TlsContext> context(new TlsContext());
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  if (!ctx) {
    *error = "TLS: " + SslErrors();
    return nullptr;
  }
  context->ctx_ = ctx;
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
  int loaded = options.ca_file.empty()
                   ? SSL_CTX_set_default_verify_paths(ctx)
                   : SSL_CTX_load_verify_locations(ctx, options.ca_file.c_str(), nullptr);
  if (loaded != 1) {
    *error = "TLS: cannot load CA " + (options.ca_file.empty() ? "defaults" : options.ca_file) +
             ": " + SslErrors();
    return nullptr;
  }
  if (!options.cert_file.empty() || !options.key_file.empty()) {
    if (SSL_CTX_use_certificate_chain_file(ctx, options.cert_file.c_str()) != 1 ||
        SSL_CTX_use_PrivateKey_file(ctx, options.key_file.c_str(), SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_check_private_key(ctx) != 1) {
      *error = "TLS: cannot use client certificate " + options.cert_file + " / key " +
               options.key_file + ": " + SslErrors();
      return nullptr;
    }
  }
  return context;
}

TlsContext::~TlsContext() {
  if (ctx_) SSL_CTX_free(ctx_);
}

std::unique_ptr<Connection> Connection::Open(const std::string& host, int port,
                                             const ConnectOptions& options, TlsContext* tls,
                                             std::string* error) {
  std::unique_ptr<Connection> c(new Connection());
  c->address_ = host + ":" + std::to_string(port);
  c->io_timeout_ms_ = options.io_timeout_ms;
  c->limits_ = options.limits;
  c->fd_ = ConnectTcp(host, port, options.connect_timeout_ms, error);
  if (c->fd_ < 0) return nullptr;
  if (!c->Handshake(host, options, tls, error)) return nullptr;
  return c;
}

bool Connection::Handshake(const std::string& host, const ConnectOptions& options, TlsContext* tls,
                           std::string* error) {
  if (tls) {
    ssl_ = SSL_new(tls->get());
    if (!ssl_) {
      *error = "TLS: " + SslErrors();
      return false;
    }
    SSL_set_fd(ssl_, fd_);
    std::string name = options.tls.server_name.empty() ? host : options.tls.server_name;
    X509_VERIFY_PARAM* param = SSL_get0_param(ssl_);
    if (IsIpAddress(name)) {
      X509_VERIFY_PARAM_set1_ip_asc(param, name.c_str());
    } else {
      SSL_set_tlsext_host_name(ssl_, name.c_str());
      X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
      X509_VERIFY_PARAM_set1_host(param, name.c_str(), 0);
    }
    auto deadline = Clock::now() + std::chrono::milliseconds(options.connect_timeout_ms);
    for (;;) {
      ERR_clear_error();
      int rc = SSL_connect(ssl_);
      if (rc == 1) break;
      int e = SSL_get_error(ssl_, rc);
      if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) {
        long verify = SSL_get_verify_result(ssl_);
        *error = "TLS handshake with " + address_ + " failed: " +
                 (verify != X509_V_OK ? X509_verify_cert_error_string(verify) : SslErrors());
        return false;
      }
      if (!WaitFor(e == SSL_ERROR_WANT_WRITE, RemainingMs(deadline), error)) {
        *error = "TLS handshake with " + address_ + ": " + *error;
        return false;
      }
    }
  }
  if (!options.password.empty()) {
    Reply reply;
    bool sent = options.user.empty()
                    ? Call({"AUTH", options.password}, &reply, error)
                    : Call({"AUTH", options.user, options.password}, &reply, error);
    if (!sent) return false;
    if (reply.is_error()) {
      *error = "AUTH to " + address_ + " refused: " + reply.str;
      return false;
    }
  }
  return true;
}

Connection::~Connection() {
  if (ssl_) {
    SSL_shutdown(ssl_);  // best effort; the socket is non-blocking
    SSL_free(ssl_);
  }
  if (fd_ >= 0) close(fd_);
}

bool Connection::WaitFor(bool want_write, int timeout_ms, std::string* error) {
  pollfd p{fd_, static_cast<short>(want_write ? POLLOUT : POLLIN), 0};
  for (;;) {
    int ready = poll(&p, 1, timeout_ms);
    if (ready > 0) return true;
    if (ready == 0) {
      *error = "timed out after " + std::to_string(timeout_ms) + " ms";
      return false;
    }
    if (errno != EINTR) {
      *error = std::strerror(errno);
      return false;
    }
  }
}

bool Connection::Send(std::string_view bytes, std::string* error) {
  auto deadline = Clock::now() + std::chrono::milliseconds(io_timeout_ms_);
  while (!bytes.empty()) {
    ssize_t n;
    bool want_write = true;
    if (ssl_) {
      ERR_clear_error();
      int rc =
          SSL_write(ssl_, bytes.data(), static_cast<int>(std::min<size_t>(bytes.size(), 1 << 30)));
      if (rc > 0) {
        n = rc;
      } else {
        int e = SSL_get_error(ssl_, rc);
        if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) {
          *error = "TLS write to " + address_ + " failed: " + SslErrors();
          return false;
        }
        n = -1;
        want_write = e == SSL_ERROR_WANT_WRITE;
      }
    } else {
      n = send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
        *error = "write to " + address_ + " failed: " + std::strerror(errno);
        return false;
      }
    }
    if (n > 0) {
      bytes.remove_prefix(static_cast<size_t>(n));
      continue;
    }
    if (!WaitFor(want_write, RemainingMs(deadline), error)) {
      *error = "write to " + address_ + ": " + *error;
      return false;
    }
  }
  return true;
}

bool Connection::Fill(int timeout_ms, std::string* error) {
  if (in_pos_ > 0 && in_pos_ * 2 >= in_.size()) {
    in_.erase(0, in_pos_);
    in_pos_ = 0;
  }
  size_t old = in_.size();
  size_t chunk = 64 * 1024;
  in_.resize(old + chunk);
  ssize_t n;
  bool want_write = false;
  if (ssl_) {
    ERR_clear_error();
    int rc = SSL_read(ssl_, in_.data() + old, static_cast<int>(chunk));
    if (rc > 0) {
      n = rc;
    } else {
      int e = SSL_get_error(ssl_, rc);
      in_.resize(old);
      if (e == SSL_ERROR_ZERO_RETURN) {
        *error = "connection to " + address_ + " closed by the server";
        return false;
      }
      if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) {
        *error = "TLS read from " + address_ + " failed: " + SslErrors();
        return false;
      }
      want_write = e == SSL_ERROR_WANT_WRITE;
      n = -1;
    }
  } else {
    n = recv(fd_, in_.data() + old, chunk, 0);
    if (n == 0) {
      in_.resize(old);
      *error = "connection to " + address_ + " closed by the server";
      return false;
    }
    if (n < 0) {
      in_.resize(old);
      if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
        *error = "read from " + address_ + " failed: " + std::strerror(errno);
        return false;
      }
    }
  }
  if (n > 0) {
    in_.resize(old + static_cast<size_t>(n));
    return true;
  }
  if (!WaitFor(want_write, timeout_ms, error)) {
    *error = "read from " + address_ + ": " + *error;
    return false;
  }
  return true;
}

bool Connection::Receive(Reply* reply, std::string* error) {
  auto deadline = Clock::now() + std::chrono::milliseconds(io_timeout_ms_);
  for (;;) {
    size_t consumed = 0;
    std::string_view pending(in_.data() + in_pos_, in_.size() - in_pos_);
    ParseStatus status = ParseReply(pending, limits_, reply, &consumed, error);
    if (status == ParseStatus::kDone) {
      in_pos_ += consumed;
      if (in_pos_ == in_.size()) {
        in_.clear();
        in_pos_ = 0;
      }
      return true;
    }
    if (status == ParseStatus::kError) {
      *error += " (from " + address_ + ")";
      return false;
    }
    if (!Fill(RemainingMs(deadline), error)) return false;
  }
}

bool Connection::Call(std::initializer_list<std::string_view> args, Reply* reply,
                      std::string* error) {
  std::string command;
  AppendCommand(&command, args);
  return Send(command, error) && Receive(reply, error);
}

}  // namespace picket::redis
