#include "experiments/vit/vit_config.h"

#include "experiments/engine/model_config.h"
#include "experiments/engine/spec_io.h"

namespace experiments {

using sigma_reparam::DataSpec;

absl::StatusOr<models::VitConfig> vit_backbone_config(const sigma_reparam::TransformerSpec& t,
                                                      int image_size, int patch_size,
                                                      int channels) {
  absl::StatusOr<models::TransformerConfig> transformer = transformer_config(t);
  if (!transformer.ok()) return transformer.status();
  models::VitConfig c;
  c.transformer = *transformer;
  c.image_size = image_size;
  c.patch_size = patch_size;
  c.channels = channels;
  return c;
}

absl::StatusOr<models::VitConfig> vit_config(const sigma_reparam::VitSpec& s) {
  absl::StatusOr<models::VitConfig> c =
      vit_backbone_config(s.transformer(), s.image_size(), s.patch_size(), s.channels());
  if (c.ok()) c->num_classes = s.num_classes();
  return c;
}

void check_image_backbone(const sigma_reparam::ExperimentSpec& s, const std::string& p,
                          const std::string& family, int image_size, int patch_size, int channels,
                          SpecChecker& c) {
  c.expect(image_size >= 1, p + ".image_size", absl::StrCat(image_size, " must be >= 1"));
  c.expect(patch_size >= 1, p + ".patch_size", absl::StrCat(patch_size, " must be >= 1"));
  if (image_size >= 1 && patch_size >= 1) {
    c.expect(image_size % patch_size == 0, p + ".patch_size",
             absl::StrCat(patch_size, " does not divide image_size ", image_size));
  }
  const auto d = s.data().dataset();
  c.expect(d == DataSpec::FASHION_MNIST || d == DataSpec::IMAGENET_FOLDER, "data.dataset",
           absl::StrCat(DataSpec::Dataset_Name(d), " is not an image data set: ", family,
                        " needs FASHION_MNIST or IMAGENET_FOLDER"));
  if (d == DataSpec::IMAGENET_FOLDER) {
    c.expect(!s.data().path().empty(), "data.path",
             "IMAGENET_FOLDER needs the folder that holds train/ and val/ (one folder per class)");
  }
  if (d == DataSpec::FASHION_MNIST) {
    c.expect(image_size == 28 && channels == 1, p,
             absl::StrCat("FASHION_MNIST needs image_size 28 and channels 1; got ", image_size,
                          " and ", channels));
  }
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
