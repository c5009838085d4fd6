// Plain configuration structs for the models. models/ knows nothing of specs or files:
// experiments/ translates a spec into these (docs/design.md, "Data flows one way").
#pragma once

#include <cstdint>

#include "sigma/sigma_reparam.h"

namespace models {

enum class NormPlacement { kPreLN, kPostLN, kNoNorm };
enum class Reparam { kNone, kSigmaReparam, kSpectralNorm };
// How the attention input projections are split into matrices (one sigma each).
enum class QkvLayout { kFused, kQkAndV, kSeparate };

// Where every linear layer, conv and norm of a model comes from (timm-style injection).
struct LayerConfig {
  Reparam reparam = Reparam::kNone;
  // Used when reparam == kSigmaReparam. init_gain also sets plain layers' init:
  // trunc_normal(0, 0.02 * init_gain), as the official code does for both.
  sigma::SigmaReparamOptions sigma_reparam = {};
  NormPlacement norm = NormPlacement::kPreLN;
  double layer_norm_eps = 1e-6;
};

struct TransformerConfig {
  int64_t depth = 4;
  int64_t width = 64;  // d
  int64_t heads = 4;
  double mlp_ratio = 4.0;
  bool qk_norm = false;
  QkvLayout qkv_layout = QkvLayout::kFused;
  double dropout = 0.0;
  double attention_dropout = 0.0;
  LayerConfig layers = {};
};

struct VitConfig {
  TransformerConfig transformer = {};
  int64_t image_size = 28;
  int64_t patch_size = 7;
  int64_t channels = 1;
  int64_t num_classes = 10;
};

struct CausalLmConfig {
  TransformerConfig transformer = {};
  int64_t vocab_size = 4096;
  int64_t context = 128;
  bool tie_embeddings = true;
  bool scale_embeddings = false;  // input embeddings x sqrt(width)
};

}  // namespace models
