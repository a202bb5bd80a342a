// Built by tests/consumer/check.sh with only `pkg-config --cflags --libs
// kinformer-testing`: starts the embedded API server and prints the version.
#include <iostream>

#include <kube/testing/api_server.h>
#include <kube/version.h>

int main() {
  kube::testing::ApiServer server(kube::testing::ApiServerOptions{.tls = false});
  if (auto started = server.start(); !started) {
    std::cerr << "pc_main: embedded API server: " << started.error().message << "\n";
    return 1;
  }
  std::cout << "kinformer " << kube::version() << ": embedded API server at " << server.url()
            << "\n";
  return 0;
}
