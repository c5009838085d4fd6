// Plain configuration structs for the models. models/ knows nothing of specs or files:
// experiments/engine/model_config.h translates a spec into these (docs/design.md, "Data flows
// one way").
#pragma once

#include <cstdint>

#include "sigma/sigma_reparam.h"

namespace models {

// Where the norms sit around a residual branch f (docs/method.md, "Related methods"):
//   kPreLN:    x + f(N(x))          kPostLN:   N(x + f(x))
//   kNoNorm:   x + f(x)             kDeepNorm: N(alpha * x + f(x)), v/out/fc1/fc2 init x beta
enum class NormPlacement { kPreLN, kPostLN, kNoNorm, kDeepNorm };
// What every norm of the model computes: LayerNorm, RMSNorm or Dynamic Tanh.
enum class NormKind { kLayerNorm, kRmsNorm, kDyT };
enum class Reparam { kNone, kSigmaReparam, kSpectralNorm };
// How the attention input projections are split into matrices (one sigma each).
enum class QkvLayout { kFused, kQkAndV, kSeparate };

// What a linear layer is for. The factory scales its init per role (DeepNorm's beta for v, out,
// fc1 and fc2) and attention picks its projections by role from the QKV layout.
enum class Role { kQ, kK, kV, kQk, kQkv, kOut, kFc1, kFc2, kEmbed, kHead };

// Where every linear layer, conv and norm of a model comes from (timm-style injection).
struct LayerConfig {
  Reparam reparam = Reparam::kNone;
  // Used when reparam == kSigmaReparam. init_gain also sets plain layers' init:
  // trunc_normal(0, 0.02 * init_gain), as the official code does for both.
  sigma::SigmaReparamOptions sigma_reparam = {};
  NormPlacement norm = NormPlacement::kPreLN;
  NormKind norm_kind = NormKind::kLayerNorm;
  double layer_norm_eps = 1e-6;
  double dyt_alpha = 0.5;  // DyT's initial a
  // Init gain of the v, out, fc1 and fc2 roles (DeepNorm's beta; 1 otherwise). Set by the
  // model from deep_norm_scales(), not by the user.
  double residual_branch_gain = 1.0;
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
  // DeepNorm's alpha on the residual stream (1 otherwise). Set by the model.
  double residual_alpha = 1.0;
};

struct VitConfig {
  TransformerConfig transformer = {};
  int64_t image_size = 28;
  int64_t patch_size = 7;
  int64_t channels = 1;
  // 0: no head; forward() returns the class token's features (width), e.g. for SimCLR.
  int64_t num_classes = 10;
  // The patch embedding keeps its random initialisation: its parameters never require gradient
  // (MoCo v3's frozen random patch projection, Chen et al. 2021).
  bool frozen_patch_embed = false;
};

struct CausalLmConfig {
  TransformerConfig transformer = {};
  int64_t vocab_size = 4096;
  int64_t context = 128;
  bool tie_embeddings = true;
  bool scale_embeddings = false;  // input embeddings x sqrt(width)
};

}  // namespace models
