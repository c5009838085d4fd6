"""Compiler options shared by the project's own targets (one COPTS, warnings on)."""

# Warnings are errors for our code only; LibTorch and the system libraries come in through
# -isystem / builtin include directories, so their warnings never reach us.
COPTS = [
    # Optimised in every configuration: the default (fastbuild) is what `bazel run` and
    # `bazel test` use, and at -O0 the project's own loops and tensor accessors (log-mel, CTC,
    # the fused attention, the readers) cost more than LibTorch's kernels.
    "-O2",
    "-Wall",
    "-Wextra",
    "-Werror",
    "-Wno-unused-parameter",
    # A switch over an enum names every value and has no `default:`, so that a value added to a
    # spec enum and not handled by the code that maps it fails to compile (-Wall has -Wswitch;
    # this keeps it an error whatever else changes).
    "-Werror=switch",
]
