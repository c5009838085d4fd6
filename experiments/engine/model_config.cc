#include "experiments/engine/model_config.h"

#include <absl/strings/str_cat.h>

namespace experiments {
namespace {

using absl::InvalidArgumentError;

absl::StatusOr<models::QkvLayout> qkv_layout(sigma_reparam::QkvLayout v) {
  switch (v) {
    case sigma_reparam::FUSED_QKV:
      return models::QkvLayout::kFused;
    case sigma_reparam::QK_AND_V:
      return models::QkvLayout::kQkAndV;
    case sigma_reparam::SEPARATE_QKV:
      return models::QkvLayout::kSeparate;
    case sigma_reparam::QKV_LAYOUT_UNSPECIFIED:
      break;
  }
  return InvalidArgumentError(absl::StrCat("qkv_layout: no model layout for value ", v));
}

absl::StatusOr<models::Reparam> reparam(sigma_reparam::Reparam v) {
  switch (v) {
    case sigma_reparam::NONE:
      return models::Reparam::kNone;
    case sigma_reparam::SIGMA_REPARAM:
      return models::Reparam::kSigmaReparam;
    case sigma_reparam::SPECTRAL_NORM:
      return models::Reparam::kSpectralNorm;
    case sigma_reparam::REPARAM_UNSPECIFIED:
      break;
  }
  return InvalidArgumentError(absl::StrCat("reparam: no model choice for value ", v));
}

absl::StatusOr<models::NormPlacement> norm_placement(sigma_reparam::NormPlacement v) {
  switch (v) {
    case sigma_reparam::PRE_LN:
      return models::NormPlacement::kPreLN;
    case sigma_reparam::POST_LN:
      return models::NormPlacement::kPostLN;
    case sigma_reparam::NO_NORM:
      return models::NormPlacement::kNoNorm;
    case sigma_reparam::DEEP_NORM:
      return models::NormPlacement::kDeepNorm;
    case sigma_reparam::NORM_PLACEMENT_UNSPECIFIED:
      break;
  }
  return InvalidArgumentError(absl::StrCat("norm: no model placement for value ", v));
}

absl::StatusOr<models::NormKind> norm_kind(sigma_reparam::NormKind v) {
  switch (v) {
    case sigma_reparam::LAYER_NORM:
      return models::NormKind::kLayerNorm;
    case sigma_reparam::RMS_NORM:
      return models::NormKind::kRmsNorm;
    case sigma_reparam::DYT:
      return models::NormKind::kDyT;
    case sigma_reparam::NORM_KIND_UNSPECIFIED:
      break;
  }
  return InvalidArgumentError(absl::StrCat("norm_kind: no model norm for value ", v));
}

absl::StatusOr<sigma::GammaInit> gamma_init(sigma_reparam::GammaInit v) {
  switch (v) {
    case sigma_reparam::SIGMA0:
      return sigma::GammaInit::kSigma0;
    case sigma_reparam::ONE:
      return sigma::GammaInit::kOne;
    case sigma_reparam::GAMMA_INIT_UNSPECIFIED:
      break;
  }
  return InvalidArgumentError(
      absl::StrCat("sigma_reparam.gamma_init: no initialisation for value ", v));
}

}  // namespace

absl::StatusOr<models::TransformerConfig> transformer_config(
    const sigma_reparam::TransformerSpec& s) {
  models::TransformerConfig c;
  c.depth = s.depth();
  c.width = s.width();
  c.heads = s.heads();
  c.mlp_ratio = s.mlp_ratio();
  c.qk_norm = s.qk_norm();
  c.dropout = s.dropout();
  c.attention_dropout = s.attention_dropout();
  auto layout = qkv_layout(s.qkv_layout());
  if (!layout.ok()) return layout.status();
  c.qkv_layout = *layout;
  auto& l = c.layers;
  auto r = reparam(s.reparam());
  if (!r.ok()) return r.status();
  l.reparam = *r;
  auto placement = norm_placement(s.norm());
  if (!placement.ok()) return placement.status();
  l.norm = *placement;
  auto kind = norm_kind(s.norm_kind());
  if (!kind.ok()) return kind.status();
  l.norm_kind = *kind;
  l.layer_norm_eps = s.layer_norm_eps();
  l.dyt_alpha = s.dyt_alpha();
  auto gamma = gamma_init(s.sigma_reparam().gamma_init());
  if (!gamma.ok()) return gamma.status();
  l.sigma_reparam.gamma_init(*gamma)
      .init_gain(s.sigma_reparam().init_gain())
      .power_steps(s.sigma_reparam().power_steps());
  return c;
}

}  // namespace experiments
