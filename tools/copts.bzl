"""Compiler options shared by the project's own targets (one COPTS, warnings on)."""

# Warnings are errors for our code only; LibTorch and the system libraries come in through
# -isystem / builtin include directories, so their warnings never reach us.
COPTS = [
    "-Wall",
    "-Wextra",
    "-Werror",
    "-Wno-unused-parameter",
    # A switch over an enum names every value and has no `default:`, so that a value added to a
    # spec enum and not handled by the code that maps it fails to compile (-Wall has -Wswitch;
    # this keeps it an error whatever else changes).
    "-Werror=switch",
]
