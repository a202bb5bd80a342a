// kube::testing::ApiServer: the public face of ApiServer::Impl (server.cc).
#include "kube/testing/api_server.h"

#include <fstream>

#include "src/testing/server.h"

namespace kube::testing {

ApiServer::ApiServer(ApiServerOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}
ApiServer::~ApiServer() { stop(); }

Result<void> ApiServer::start() { return impl_->start(); }
void ApiServer::stop() { impl_->stop(); }

std::uint16_t ApiServer::port() const { return impl_->port.load(); }
std::string ApiServer::url() const {
  return (impl_->opts.tls ? "https://" : "http://") + impl_->opts.address + ":" + std::to_string(port());
}
std::string ApiServer::ca_pem() const { return impl_->ca_pem; }
std::string ApiServer::token() const { return impl_->token; }
std::string ApiServer::client_cert_pem() const { return impl_->client_cert_pem; }
std::string ApiServer::client_key_pem() const { return impl_->client_key_pem; }
std::string ApiServer::kubeconfig() const { return impl_->kubeconfig(); }

Result<void> ApiServer::write_kubeconfig(const std::filesystem::path& path) const {
  std::filesystem::path tmp = path;
  tmp += ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return Error::invalid_argument("kubeconfig " + path.string() + ": cannot write");
    out << kubeconfig();
    if (!out) return Error::invalid_argument("kubeconfig " + path.string() + ": write failed");
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);  // readers never see a half-written file
  if (ec) return Error::invalid_argument("kubeconfig " + path.string() + ": " + ec.message());
  return {};
}

std::int64_t ApiServer::resource_version() const { return impl_->store.resource_version(); }
Result<void> ApiServer::add_user(ApiUser user) { return impl_->add_user(std::move(user)); }

void ApiServer::close_watches_after(int n) { impl_->close_after = n; }
void ApiServer::close_watches_randomly(double p) { impl_->close_probability = p; }
void ApiServer::close_watches_now() { impl_->store.close_watchers(); }
std::size_t ApiServer::open_watches() const { return impl_->store.open_watchers(); }
void ApiServer::stall_watches(bool stalled) { impl_->stalled = stalled; }
void ApiServer::fail_next_requests(int count, int code, int retry_after_seconds) {
  impl_->fail_code = code;
  impl_->fail_retry_after = retry_after_seconds;
  impl_->fail_count = count;
}
void ApiServer::compact() { impl_->store.compact(); }
void ApiServer::restart() { impl_->drop_connections(); }
void ApiServer::slow_responses(std::chrono::milliseconds delay) { impl_->delay_ms = delay.count(); }
void ApiServer::set_watch_list_mode(WatchListMode mode) { impl_->watch_list_mode = mode; }
std::uint64_t ApiServer::streaming_list_requests() const {
  return impl_->streaming_list_requests.load();
}

}  // namespace kube::testing
