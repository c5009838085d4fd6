"""The experiment families and their binaries.

Adding a family: a folder experiments/<name>/ whose BUILD defines `proto` (its spec message),
`family` (a cc_library with alwayslink = True that registers the family, see
experiments/engine/family.h), `specs` and `sweeps` (filegroups) and the binaries named here;
then one entry below and one line in the `model` oneof of experiments/spec.proto.
"""

FAMILIES = {
    "vit": ["vit_sigma", "vit_baseline"],
    "lm": ["wikitext_lm", "wikitext_lm_baseline"],
}
