"""The experiment families and their binaries.

Adding a family: a folder experiments/<name>/ whose BUILD calls family_files() (its spec
message, specs and sweeps) and defines `family` (a cc_library with alwayslink = True that
registers the family, see experiments/engine/family.h) and the binaries named here; then one
entry in FAMILIES and one line in the `model` oneof of experiments/spec.proto (docs/design.md,
"Adding a family").
"""

FAMILIES = {
    "vit": ["vit_sigma", "vit_baseline"],
    "lm": ["wikitext_lm", "wikitext_lm_baseline"],
    "mt": ["wmt_sigma", "wmt_postln"],
    "speech": ["librispeech", "librispeech_baseline"],
    "simclr": ["simclr", "simclr_baseline"],
}

def family_files(proto):
    """The targets every family folder defines besides its code: `proto` (its spec message,
    from `proto`), `specs` and `sweeps` (the family's .textproto files)."""
    native.proto_library(
        name = "proto",
        srcs = [proto],
        deps = ["//experiments:transformer_proto"],
    )
    native.filegroup(
        name = "specs",
        srcs = native.glob(["specs/**/*.textproto"]),
    )
    native.filegroup(
        name = "sweeps",
        srcs = native.glob(["sweeps/*.textproto"]),
    )
