#include "experiments/engine/stop_signal.h"

#include <signal.h>

#include <atomic>

namespace experiments {
namespace {

std::atomic<int> requested{0};

void on_stop_signal(int signo) {
  if (requested.exchange(signo) != 0) {
    // The second signal: the default action, now.
    signal(signo, SIG_DFL);
    raise(signo);
  }
}

}  // namespace

void install_stop_handlers() {
  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

int stop_requested() { return requested.load(); }

}  // namespace experiments
