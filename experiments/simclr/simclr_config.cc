#include "experiments/simclr/simclr_config.h"

#include "experiments/engine/model_config.h"
#include "experiments/engine/spec_io.h"
#include "experiments/engine/image_backbone.h"

namespace experiments {

absl::StatusOr<models::SimclrConfig> simclr_config(const sigma_reparam::SimclrSpec& s) {
  absl::StatusOr<models::VitConfig> backbone =
      vit_backbone_config(s.transformer(), s.image_size(), s.patch_size(), s.channels());
  if (!backbone.ok()) return backbone.status();
  models::SimclrConfig c;
  c.backbone = *backbone;
  c.backbone.frozen_patch_embed = s.frozen_patch_embed();
  c.projection_hidden = s.projection_hidden();
  c.projection_dim = s.projection_dim();
  return c;
}

void check_simclr_spec(const sigma_reparam::ExperimentSpec& s, SpecChecker& c) {
  const auto& v = s.simclr();
  const std::string p = "simclr";
  check_transformer(v.transformer(), p + ".transformer", c);
  c.status(simclr_config(v).status(), p + ".transformer");
  check_image_backbone(s, p, "SimCLR", v.image_size(), v.patch_size(), v.channels(), c);
  c.expect(v.channels() == 1 || v.channels() == 3, p + ".channels",
           absl::StrCat(v.channels(), " must be 1 or 3"));
  c.expect(v.projection_hidden() >= 1, p + ".projection_hidden",
           absl::StrCat(v.projection_hidden(), " must be >= 1"));
  c.expect(v.projection_dim() >= 1, p + ".projection_dim",
           absl::StrCat(v.projection_dim(), " must be >= 1"));
  c.positive(v.temperature(), p + ".temperature");
  c.expect(v.crop_min_scale() > 0 && v.crop_min_scale() <= 1, p + ".crop_min_scale",
           absl::StrCat(v.crop_min_scale(), " must be in (0, 1]"));
  c.non_negative(v.jitter(), p + ".jitter");
  c.expect(v.jitter() < 1, p + ".jitter", absl::StrCat(v.jitter(), " must be < 1"));
  c.expect(v.blur_probability() >= 0 && v.blur_probability() <= 1, p + ".blur_probability",
           absl::StrCat(v.blur_probability(), " must be in [0, 1]"));
  c.non_negative(v.noise_std(), p + ".noise_std");
  c.expect(v.knn_k() >= 1, p + ".knn_k", absl::StrCat(v.knn_k(), " must be >= 1"));
  c.expect(v.knn_bank() >= 1, p + ".knn_bank", absl::StrCat(v.knn_bank(), " must be >= 1"));
  c.positive(v.knn_temperature(), p + ".knn_temperature");
  c.expect(v.probe_train_examples() >= 0, p + ".probe_train_examples",
           absl::StrCat(v.probe_train_examples(), " must be >= 0 (0 = all)"));
  c.expect(v.probe_steps() >= 1, p + ".probe_steps",
           absl::StrCat(v.probe_steps(), " must be >= 1"));
  c.positive(v.probe_lr(), p + ".probe_lr");
  c.non_negative(v.probe_weight_decay(), p + ".probe_weight_decay");
  c.expect(s.data().batch_size() >= 2, "data.batch_size",
           absl::StrCat(s.data().batch_size(),
                        " must be >= 2: NT-Xent needs other images as negatives"));
}

}  // namespace experiments
