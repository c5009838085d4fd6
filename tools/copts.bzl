"""Compiler options shared by the project's own targets (one COPTS, warnings on)."""

# Warnings are errors for our code only; LibTorch and the system libraries come in through
# -isystem / builtin include directories, so their warnings never reach us.
COPTS = [
    "-Wall",
    "-Wextra",
    "-Werror",
    "-Wno-unused-parameter",
]
