#include "experiments/model_config.h"

namespace experiments {

models::TransformerConfig transformer_config(const sigma_reparam::TransformerSpec& s) {
  models::TransformerConfig c;
  c.depth = s.depth();
  c.width = s.width();
  c.heads = s.heads();
  c.mlp_ratio = s.mlp_ratio();
  c.qk_norm = s.qk_norm();
  c.dropout = s.dropout();
  c.attention_dropout = s.attention_dropout();
  switch (s.qkv_layout()) {
    case sigma_reparam::QK_AND_V:
      c.qkv_layout = models::QkvLayout::kQkAndV;
      break;
    case sigma_reparam::SEPARATE_QKV:
      c.qkv_layout = models::QkvLayout::kSeparate;
      break;
    default:
      c.qkv_layout = models::QkvLayout::kFused;
      break;
  }
  auto& l = c.layers;
  switch (s.reparam()) {
    case sigma_reparam::SIGMA_REPARAM:
      l.reparam = models::Reparam::kSigmaReparam;
      break;
    case sigma_reparam::SPECTRAL_NORM:
      l.reparam = models::Reparam::kSpectralNorm;
      break;
    default:
      l.reparam = models::Reparam::kNone;
      break;
  }
  switch (s.norm()) {
    case sigma_reparam::POST_LN:
      l.norm = models::NormPlacement::kPostLN;
      break;
    case sigma_reparam::NO_NORM:
      l.norm = models::NormPlacement::kNoNorm;
      break;
    default:
      l.norm = models::NormPlacement::kPreLN;
      break;
  }
  l.layer_norm_eps = s.layer_norm_eps();
  const auto& r = s.sigma_reparam();
  l.sigma_reparam
      .gamma_init(r.gamma_init() == sigma_reparam::ONE ? sigma::GammaInit::kOne
                                                       : sigma::GammaInit::kSigma0)
      .init_gain(r.init_gain())
      .power_steps(r.power_steps());
  return c;
}

models::VitConfig vit_config(const sigma_reparam::VitSpec& s) {
  models::VitConfig c;
  c.transformer = transformer_config(s.transformer());
  c.image_size = s.image_size();
  c.patch_size = s.patch_size();
  c.channels = s.channels();
  c.num_classes = s.num_classes();
  return c;
}

models::CausalLmConfig lm_config(const sigma_reparam::LanguageModelSpec& s) {
  models::CausalLmConfig c;
  c.transformer = transformer_config(s.transformer());
  c.vocab_size = s.vocab_size();
  c.context = s.context();
  c.tie_embeddings = s.tie_embeddings();
  c.scale_embeddings = s.scale_embeddings();
  return c;
}

}  // namespace experiments
