// kube/testing/http2_proxy.h — an HTTP/2 TLS frontend (Debian's nghttpx) in
// front of the embedded API server, which itself speaks HTTP/1.1 only.
//
// A real kube-apiserver speaks HTTP/2 over TLS, and client-go multiplexes
// every request and watch of a client over ONE connection. To test and
// measure that against kube::testing::ApiServer, Http2Proxy runs nghttpx
// (package nghttp2-proxy) as a child process: TLS + h2 (and http/1.1) over
// ALPN on an ephemeral loopback port, each stream forwarded to the backend
// over plain HTTP/1.1 (one backend connection per open stream).
//
//   kube::testing::ApiServerOptions plain;
//   plain.tls = false;  // the proxy does the TLS
//   kube::testing::ApiServer server(plain);
//   server.start();
//   kube::testing::Http2Proxy proxy({.backend_port = server.port()});
//   if (auto r = proxy.start(); !r) { ... r.error().message ... }  // names the package if absent
//   kube::RestConfig c;
//   c.host = proxy.url();        // "https://127.0.0.1:PORT", HTTP/2 offered over ALPN
//   c.ca_pem = proxy.ca_pem();   // verification stays on
//   c.bearer_token = server.token();
//
// The proxy's certificate (for 127.0.0.1 / ::1 / localhost) and its CA are
// generated at start; verification stays on in the client. Watches are
// long-lived streams: every read timeout on the way (frontend, backend,
// stream) is a day, so an idle watch is never cut by the proxy. The
// frontend allows `max_concurrent_streams` streams per connection (250,
// Go's default, which kube-apiserver uses unless --http2-max-streams-per-
// connection is set); streams beyond that need more connections, as against
// kube-apiserver (libcurl 7.88 opens one per extra stream: docs/benchmarks.md).
//
// The child runs nghttpx --single-process, gets SIGTERM when the thread that
// called start() exits (PR_SET_PDEATHSIG: start it from a thread that
// outlives it, e.g. main), and is stopped by its pid in stop() / the
// destructor. start() forks; the child calls only async-signal-safe
// functions before exec, so a process with threads may call it.
//
// Thread-safety: one owner; url()/ca_pem() are const after start().
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include <sys/types.h>

#include "kube/core/result.h"

namespace kube::testing {

struct Http2ProxyOptions {
  std::string backend_host = "127.0.0.1";
  std::uint16_t backend_port = 0;  // required: the ApiServer's port (plain HTTP)
  std::uint32_t max_concurrent_streams = 250;
  std::filesystem::path nghttpx = "/usr/sbin/nghttpx";
};

class Http2Proxy {
 public:
  explicit Http2Proxy(Http2ProxyOptions options);
  ~Http2Proxy();  // stop()s
  Http2Proxy(const Http2Proxy&) = delete;
  Http2Proxy& operator=(const Http2Proxy&) = delete;

  // True when options.nghttpx exists and is executable.
  static bool available(const std::filesystem::path& nghttpx = "/usr/sbin/nghttpx");

  // Generates the certificate, starts nghttpx and waits (up to 10 s) until it
  // accepts connections. Fails naming the package when nghttpx is missing,
  // or with nghttpx's own log when it exits or does not listen.
  Result<void> start();
  // SIGTERM to the child, waits for it, removes its directory. Idempotent.
  void stop();

  std::uint16_t port() const { return port_; }
  std::string url() const;  // "https://127.0.0.1:PORT"
  const std::string& ca_pem() const { return ca_pem_; }

 private:
  Http2ProxyOptions options_;
  std::filesystem::path dir_;  // key, cert, nghttpx.log
  std::string ca_pem_;
  std::uint16_t port_ = 0;
  pid_t pid_ = 0;
};

}  // namespace kube::testing
