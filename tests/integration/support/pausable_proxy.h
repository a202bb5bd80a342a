// Integration-test helper: a TCP proxy on loopback that can stall. While
// paused it keeps every connection open (and accepts new ones) but forwards
// no byte in either direction — a network stall as a client sees it: its
// requests hang until its own timeouts fire. TLS passes through untouched.
//
//   kube::testing::PausableProxy proxy(server.port());
//   cfg.host = "https://127.0.0.1:" + std::to_string(proxy.port());
//   proxy.pause();  ...  proxy.resume();
//
// One thread ("kube-proxy"), started by the constructor and joined by the
// destructor, polls the listener and every connection pair.
#pragma once

#include <cstdint>
#include <thread>
#include <vector>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

#include "kube/core/mutex.h"

namespace kube::testing {

class PausableProxy {
 public:
  explicit PausableProxy(std::uint16_t upstream_port) : upstream_port_(upstream_port) {
    listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    ::setsockopt(listener_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr = loopback(0);
    ::bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    ::listen(listener_, 64);
    socklen_t len = sizeof addr;
    ::getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    ::pipe2(wake_, O_CLOEXEC | O_NONBLOCK);
    thread_ = std::thread([this] { loop(); });
  }

  ~PausableProxy() {
    {
      MutexLock l(mu_);
      stopping_ = true;
    }
    wake();
    thread_.join();
    for (auto& [a, b] : pairs_) {
      ::close(a);
      ::close(b);
    }
    ::close(listener_);
    ::close(wake_[0]);
    ::close(wake_[1]);
  }
  PausableProxy(const PausableProxy&) = delete;
  PausableProxy& operator=(const PausableProxy&) = delete;

  std::uint16_t port() const { return port_; }

  void pause() { set_paused(true); }
  void resume() { set_paused(false); }

 private:
  static sockaddr_in loopback(std::uint16_t port) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return a;
  }

  void set_paused(bool paused) {
    {
      MutexLock l(mu_);
      paused_ = paused;
    }
    wake();
  }

  void wake() {
    char c = 1;
    (void)!::write(wake_[1], &c, 1);
  }

  // Writes all of `n` bytes (blocking); false if the peer is gone.
  static bool send_all(int fd, const char* p, ssize_t n) {
    while (n > 0) {
      ssize_t w = ::send(fd, p, static_cast<std::size_t>(n), MSG_NOSIGNAL);
      if (w <= 0) return false;
      p += w;
      n -= w;
    }
    return true;
  }

  void loop() {
    pthread_setname_np(pthread_self(), "kube-proxy");
    std::vector<pollfd> fds;
    char buf[64 * 1024];
    for (;;) {
      bool paused;
      {
        MutexLock l(mu_);
        if (stopping_) return;
        paused = paused_;
      }
      fds.clear();
      fds.push_back({wake_[0], POLLIN, 0});
      fds.push_back({listener_, POLLIN, 0});
      if (!paused) {
        for (auto& [a, b] : pairs_) {
          fds.push_back({a, POLLIN, 0});
          fds.push_back({b, POLLIN, 0});
        }
      }
      if (::poll(fds.data(), fds.size(), -1) < 0) continue;
      if (fds[0].revents) {
        while (::read(wake_[0], buf, sizeof buf) > 0) {
        }
      }
      if (paused) {
        if (fds[1].revents & POLLIN) accept_one();
        continue;
      }
      // Only the pairs that were polled (accept_one() below adds one more).
      const std::size_t polled = (fds.size() - 2) / 2;
      std::vector<std::size_t> closed;
      for (std::size_t i = 0; i < polled; ++i) {
        for (int side = 0; side < 2; ++side) {
          const pollfd& p = fds[2 + 2 * i + static_cast<std::size_t>(side)];
          if (!(p.revents & (POLLIN | POLLHUP | POLLERR))) continue;
          int from = side == 0 ? pairs_[i].first : pairs_[i].second;
          int to = side == 0 ? pairs_[i].second : pairs_[i].first;
          ssize_t n = ::recv(from, buf, sizeof buf, 0);
          if (n <= 0 || !send_all(to, buf, n)) {
            closed.push_back(i);
            break;
          }
        }
      }
      for (auto it = closed.rbegin(); it != closed.rend(); ++it) {
        ::close(pairs_[*it].first);
        ::close(pairs_[*it].second);
        pairs_.erase(pairs_.begin() + static_cast<std::ptrdiff_t>(*it));
      }
      if (fds[1].revents & POLLIN) accept_one();
    }
  }

  void accept_one() {
    int client = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) return;
    int upstream = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr = loopback(upstream_port_);
    if (::connect(upstream, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      ::close(client);
      ::close(upstream);
      return;
    }
    pairs_.emplace_back(client, upstream);
  }

  const std::uint16_t upstream_port_;
  int listener_ = -1;
  std::uint16_t port_ = 0;
  int wake_[2] = {-1, -1};
  std::vector<std::pair<int, int>>
      pairs_;  // (client, upstream); proxy thread only (and the destructor after join)

  Mutex mu_;  // guards paused_ and stopping_
  bool paused_ KUBE_GUARDED_BY(mu_) = false;
  bool stopping_ KUBE_GUARDED_BY(mu_) = false;
  std::thread thread_;  // "kube-proxy": started by the constructor, joined by the destructor
};

}  // namespace kube::testing
