// The paper-scale ViT-B/16 specs (ImageNet layout) each train one step on a small image folder the
// test writes: the image-folder reader, the DeiT crops and the 86M-parameter models end to end.
#include <gtest/gtest.h>

#include "experiments/vit/vit_task.h"
#include "tests/experiments/paper_step.h"

namespace experiments {
namespace {

TEST(VitPaperStepTest, Baseline) {
  testing_util::paper_step<VitTask>("experiments/vit/specs/paper/vit_b16_baseline.textproto");
}

TEST(VitPaperStepTest, SigmaReparam) {
  testing_util::paper_step<VitTask>("experiments/vit/specs/paper/vit_b16_sigma_reparam.textproto");
}

}  // namespace
}  // namespace experiments
