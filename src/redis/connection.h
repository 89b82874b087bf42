// One connection to one Redis server: TCP or TLS (OpenSSL), optional AUTH
// (ACL user and password, or password alone), blocking calls bounded by
// timeouts.
//
// Send writes bytes (any number of pipelined commands); Receive returns the
// next reply in order. Any failure (timeout, reset, TLS error, protocol
// error) leaves the connection unusable: the caller drops it and opens a
// new one. Not thread-safe.
#pragma once
#include <memory>
#include <string>
#include <string_view>

#include "redis/resp.h"

typedef struct ssl_ctx_st SSL_CTX;
typedef struct ssl_st SSL;

namespace picket::redis {

struct TlsOptions {
  bool enabled = false;
  std::string ca_file;    // PEM CA bundle; empty = the system's default paths
  std::string cert_file;  // client certificate (PEM), for servers that ask for one
  std::string key_file;
  // Name checked against the server certificate (and sent as SNI); empty =
  // the host being connected to (an IP address is checked as an IP).
  std::string server_name;
};

struct ConnectOptions {
  TlsOptions tls;
  std::string user;      // ACL user; empty with a password = AUTH <password>
  std::string password;  // empty = no AUTH
  int connect_timeout_ms = 2000;
  int io_timeout_ms = 5000;  // per Send/Receive
  ReplyLimits limits;
};

// An OpenSSL client context built once from TlsOptions and shared by every
// connection of a cluster client.
class TlsContext {
 public:
  static std::shared_ptr<TlsContext> Create(const TlsOptions& options, std::string* error);
  ~TlsContext();
  SSL_CTX* get() const { return ctx_; }

 private:
  TlsContext() = default;
  SSL_CTX* ctx_ = nullptr;
};

class Connection {
 public:
  // Connects, completes the TLS handshake when `tls` is non-null, and
  // authenticates when options.password is set. Null with *error on failure.
  static std::unique_ptr<Connection> Open(const std::string& host, int port,
                                          const ConnectOptions& options, TlsContext* tls,
                                          std::string* error);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  bool Send(std::string_view bytes, std::string* error);
  bool Receive(Reply* reply, std::string* error);
  // Send one command and receive its reply.
  bool Call(std::initializer_list<std::string_view> args, Reply* reply, std::string* error);

  const std::string& address() const { return address_; }

 private:
  Connection() = default;
  bool Handshake(const std::string& host, const ConnectOptions& options, TlsContext* tls,
                 std::string* error);
  // Waits until the socket is readable (want_write = false) or writable.
  bool WaitFor(bool want_write, int timeout_ms, std::string* error);
  // Reads what is available into in_, waiting up to timeout_ms for it;
  // false on EOF, error or timeout.
  bool Fill(int timeout_ms, std::string* error);

  int fd_ = -1;
  SSL* ssl_ = nullptr;
  std::string address_;
  int io_timeout_ms_ = 5000;
  ReplyLimits limits_;
  std::string in_;
  size_t in_pos_ = 0;
};

}  // namespace picket::redis
