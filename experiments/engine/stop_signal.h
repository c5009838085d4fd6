// SIGINT and SIGTERM as a request to stop training cleanly: the trainer finishes the step it is
// in, writes a checkpoint and records the run as INTERRUPTED, which --resume continues. A second
// signal ends the process at once (the default action), as an impatient user expects.
#pragma once

namespace experiments {

// Installs the handlers (idempotent).
void install_stop_handlers();

// The signal that asked to stop (SIGINT or SIGTERM), or 0.
int stop_requested();

}  // namespace experiments
