#include "experiments/vit/vit_config.h"

#include "experiments/engine/model_config.h"
#include "experiments/engine/spec_io.h"

namespace experiments {

using sigma_reparam::DataSpec;

absl::StatusOr<models::VitConfig> vit_config(const sigma_reparam::VitSpec& s) {
  absl::StatusOr<models::TransformerConfig> transformer = transformer_config(s.transformer());
  if (!transformer.ok()) return transformer.status();
  models::VitConfig c;
  c.transformer = *transformer;
  c.image_size = s.image_size();
  c.patch_size = s.patch_size();
  c.channels = s.channels();
  c.num_classes = s.num_classes();
  return c;
}

void check_vit_spec(const sigma_reparam::ExperimentSpec& s, SpecChecker& c) {
  const auto& v = s.vit();
  const std::string p = "vit";
  check_transformer(v.transformer(), p + ".transformer", c);
  c.status(vit_config(v).status(), p + ".transformer");
  c.expect(v.image_size() >= 1, p + ".image_size", absl::StrCat(v.image_size(), " must be >= 1"));
  c.expect(v.patch_size() >= 1, p + ".patch_size", absl::StrCat(v.patch_size(), " must be >= 1"));
  if (v.image_size() >= 1 && v.patch_size() >= 1) {
    c.expect(v.image_size() % v.patch_size() == 0, p + ".patch_size",
             absl::StrCat(v.patch_size(), " does not divide image_size ", v.image_size()));
  }
  c.expect(v.channels() >= 1, p + ".channels", absl::StrCat(v.channels(), " must be >= 1"));
  c.expect(v.num_classes() >= 2, p + ".num_classes",
           absl::StrCat(v.num_classes(), " must be >= 2"));
  c.fraction(v.label_smoothing(), p + ".label_smoothing");
  const auto d = s.data().dataset();
  c.expect(d == DataSpec::FASHION_MNIST || d == DataSpec::IMAGENET_FOLDER, "data.dataset",
           absl::StrCat(DataSpec::Dataset_Name(d),
                        " is not an image data set: a ViT needs FASHION_MNIST or IMAGENET_FOLDER"));
  if (d == DataSpec::IMAGENET_FOLDER) {
    c.expect(!s.data().path().empty(), "data.path",
             "IMAGENET_FOLDER needs the folder that holds train/ and val/ (one folder per class)");
  }
  if (d == DataSpec::FASHION_MNIST) {
    c.expect(v.image_size() == 28 && v.channels() == 1 && v.num_classes() == 10, "vit",
             absl::StrCat("FASHION_MNIST needs image_size 28, channels 1, num_classes 10; got ",
                          v.image_size(), ", ", v.channels(), ", ", v.num_classes()));
  }
}

}  // namespace experiments
