#include "experiments/vit/vit_config.h"

#include "experiments/engine/image_backbone.h"
#include "experiments/engine/model_config.h"
#include "experiments/engine/spec_io.h"

namespace experiments {

using sigma_reparam::DataSpec;

absl::StatusOr<models::VitConfig> vit_config(const sigma_reparam::VitSpec& s) {
  absl::StatusOr<models::VitConfig> c =
      vit_backbone_config(s.transformer(), s.image_size(), s.patch_size(), s.channels());
  if (c.ok()) c->num_classes = s.num_classes();
  return c;
}

void check_vit_spec(const sigma_reparam::ExperimentSpec& s, SpecChecker& c) {
  const auto& v = s.vit();
  const std::string p = "vit";
  check_transformer(v.transformer(), p + ".transformer", c);
  c.status(vit_config(v).status(), p + ".transformer");
  check_image_backbone(s, p, "a ViT", v.image_size(), v.patch_size(), v.channels(), c);
  c.expect(v.channels() >= 1, p + ".channels", absl::StrCat(v.channels(), " must be >= 1"));
  c.expect(v.num_classes() >= 2, p + ".num_classes",
           absl::StrCat(v.num_classes(), " must be >= 2"));
  c.fraction(v.label_smoothing(), p + ".label_smoothing");
  if (s.data().dataset() == DataSpec::FASHION_MNIST) {
    c.expect(v.num_classes() == 10, p,
             absl::StrCat("FASHION_MNIST needs num_classes 10; got ", v.num_classes()));
  }
}

}  // namespace experiments
