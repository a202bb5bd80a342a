// The signals that stop a long-running command (watch, serve): SIGINT,
// SIGTERM and SIGHUP. A command blocks them in every thread before any starts
// (threads inherit the mask), then waits for them or polls them.
#pragma once

#include <csignal>

namespace kinformer::cli {

sigset_t stop_signals();
// True if one of `set` is pending (consumes it); never blocks.
bool stop_requested(const sigset_t& set);

}  // namespace kinformer::cli
