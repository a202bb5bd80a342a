// Test helper: a small Beast HTTP/1.1 client (plain or TLS) for the embedded
// API server's integration tests. Every operation has a deadline, so a test
// that would hang fails instead.
//
//   kube::testing::BeastClient c(server.url(), server.ca_pem(), server.token());
//   auto r = c.request("GET", "/api/v1/namespaces/default/pods");
//   EXPECT_EQ(r.status, 200);
//   auto w = c.watch("/api/v1/configmaps?watch=1");
//   auto line = w->next(std::chrono::seconds(5));   // one event, or nullopt on timeout/end
//
// The Beast/Asio code lives in beast_client.cc (library kinformer_test_support)
// so that the test files including this header do not each compile Beast.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

namespace kube::testing {

struct HttpResult {
  int status = 0;  // 0: transport failure (see error)
  std::string body;
  std::string content_type;
  std::string retry_after;
  std::string error;
};

class BeastClient {
 public:
  class Conn;  // one connection (beast_client.cc)
  struct Options {
    std::string url;  // "https://127.0.0.1:PORT" or "http://..."
    std::string ca_pem;
    std::string token;
    std::string client_cert_pem;
    std::string client_key_pem;
    std::chrono::milliseconds timeout{10000};
  };
  explicit BeastClient(Options o);
  BeastClient(std::string url, std::string ca, std::string token);
  ~BeastClient();
  BeastClient(const BeastClient&) = delete;
  BeastClient& operator=(const BeastClient&) = delete;

  // One request on a fresh connection.
  HttpResult request(const std::string& method, const std::string& target, const std::string& body = "",
                     const std::string& content_type = "application/json", const std::string& accept = "",
                     const std::string& user_agent = "kinformer-test");

  // A watch: the raw stream after the response header, decoded chunk by chunk.
  class Watch {
   public:
    Watch();
    ~Watch();
    int status = 0;
    std::string header;  // the response header block
    std::string raw;     // every byte received after the header
    // The next chunk's payload (one event line with its '\n'), nullopt on
    // timeout or at the end of the stream (then ended() is true).
    std::optional<std::string> next(std::chrono::milliseconds timeout);
    bool ended() const { return ended_; }
    bool clean_end() const { return clean_end_; }

   private:
    friend class BeastClient;
    std::optional<std::string> parse_chunk();
    bool read_more(std::chrono::milliseconds timeout);
    std::unique_ptr<Conn> conn_;
    std::string pending_;
    bool ended_ = false;
    bool clean_end_ = false;
  };

  std::unique_ptr<Watch> watch(const std::string& target, const std::string& accept = "");

 private:
  struct State;  // TLS context, parsed URL
  std::unique_ptr<State> s_;
};

}  // namespace kube::testing
