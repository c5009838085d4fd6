// Loading, merging, validating and printing experiment specs (experiments/spec.proto).
//
//   absl::StatusOr<ExperimentSpec> spec =
//       experiments::load_spec("experiments/vit/specs/sigma_reparam.textproto",
//                              {"optimizer { lr: 3e-3 }"});
//
// Every error names the file (or the --set fragment), the field path and what was expected,
// and is reported before any training starts.
#pragma once

#include <absl/status/status.h>
#include <absl/status/statusor.h>
#include <google/protobuf/message.h>

#include <string>
#include <vector>

#include "experiments/engine/family.h"
#include "experiments/engine/spec_check.h"
#include "experiments/spec.pb.h"

namespace experiments {

using sigma_reparam::ExperimentSpec;

// Parses a text-format spec file and the chain of `base` files below it (each merged under the
// file that names it; name, description, reproduces and paper_claim are not inherited), merges
// each override fragment on top in order (a fragment is text format too:
// "optimizer { lr: 3e-3 } run { steps: 100 }"), fills every unset field with its default, and
// validates (the family's own checks through experiments/engine/family.h). Unknown fields,
// wrong types, invalid values and base cycles fail with InvalidArgument; an unreadable file or
// base with NotFound.
absl::StatusOr<ExperimentSpec> load_spec(const std::string& path,
                                         const std::vector<std::string>& overrides = {});

// Parses text-format contents into any message; errors read "source:line:col: message" and show
// the offending line with a caret.
absl::Status parse_text_message(const std::string& text, const std::string& source,
                                google::protobuf::Message* message);

// Parses text-format spec contents; `source` names them in errors.
absl::StatusOr<ExperimentSpec> parse_spec(const std::string& text, const std::string& source);

// Checks every value; the message lists each problem as "field.path: reason" on its own line.
// Needs the spec's family linked in (it registers its checks).
absl::Status validate_spec(const ExperimentSpec& spec);

// Sets every unset optional field of `message` (recursively, through set oneof members) to its
// declared default, so that a resolved spec shows every value a run used.
void fill_defaults(google::protobuf::Message* message);

// The checks every family's Transformer gets, at field path `path` (e.g. "vit.transformer").
void check_transformer(const sigma_reparam::TransformerSpec& t, const std::string& path,
                       SpecChecker& c);

// Text format of a resolved spec, with a header comment.
std::string spec_to_text(const ExperimentSpec& spec);

// A fingerprint of the spec, every field but run.threads (16 hex digits): kept in a checkpoint's
// TrainerState.spec_digest, and how a sweep tells a run of its current plan from an older one.
std::string spec_digest(const ExperimentSpec& spec);

}  // namespace experiments
