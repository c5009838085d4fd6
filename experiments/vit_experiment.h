// Entry point of the ViT experiment binaries (light header: the mains compile in a second).
#pragma once

namespace experiments {

// Trains a ViT spec (default: `default_spec`, workspace-relative); see experiment_main.h.
int vit_experiment_main(int argc, char** argv, const char* default_spec);

}  // namespace experiments
