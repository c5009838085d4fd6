#include "experiments/engine/image_backbone.h"

#include <absl/strings/str_cat.h>

#include "experiments/engine/model_config.h"

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

}  // namespace experiments
