#include "experiments/simclr/simclr_task.h"

#include "core/hash.h"

#include <ATen/core/grad_mode.h>
#include <ATen/ATen.h>
#include <absl/strings/str_cat.h>
#include <absl/strings/str_format.h>

#include <algorithm>
#include <stdexcept>

#include "core/paths.h"
#include "experiments/engine/metric_format.h"
#include "experiments/simclr/contrastive.h"
#include "experiments/simclr/simclr_config.h"

namespace experiments {

using sigma_reparam::DataSpec;

namespace {

// n evenly spaced indices of 0..size-1 (the whole range when n >= size): class-sorted folders
// still give every class.
at::Tensor evenly_spaced(int64_t size, int64_t n) {
  if (n <= 0 || n >= size) return at::arange(size, at::kLong);
  return at::div(at::arange(n, at::kLong) * size, n, "floor");
}

models::SimclrNetwork build_network(const sigma_reparam::ExperimentSpec& spec) {
  absl::StatusOr<models::SimclrConfig> config = simclr_config(spec.simclr());
  if (!config.ok()) throw std::runtime_error(std::string(config.status().message()));
  at::manual_seed(static_cast<uint64_t>(spec.run().seed()));  // model initialisation
  return models::SimclrNetwork(*config);
}

}  // namespace

SimclrTask::SimclrTask(const sigma_reparam::ExperimentSpec& spec) : spec_(spec) {
  const auto& data = spec.data();
  const auto& s = spec.simclr();
  if (data.dataset() == DataSpec::IMAGENET_FOLDER) {
    folder_train_ = std::make_unique<datasets::ImageFolder>(
        core::resolve_input(data.path()) + "/train", s.image_size(), s.channels());
    folder_test_ = std::make_unique<datasets::ImageFolder>(
        core::resolve_input(data.path()) + "/val", s.image_size(), s.channels(),
        folder_train_->classes());
    train_examples_ = folder_train_->size();
  } else {
    train_ = datasets::load_fashion_mnist("train", data.path());
    test_ = datasets::load_fashion_mnist("test", data.path());
    // Back to pixels in [0, 1]: the views are cropped and jittered in pixel space.
    for (auto* split : {&train_, &test_}) {
      split->images =
          (split->images * datasets::kFashionMnistStd + datasets::kFashionMnistMean).clamp(0, 1);
    }
    train_examples_ = train_.images.size(0);
  }
  if (data.train_subset() > 0)
    train_examples_ = std::min<int64_t>(train_examples_, data.train_subset());
  augment_.min_scale = s.crop_min_scale();
  augment_.flip = data.horizontal_flip();
  augment_.jitter = s.jitter();
  augment_.blur_probability = s.blur_probability();
  augment_.noise_std = s.noise_std();
  net_ = build_network(spec);
  batcher_ = std::make_unique<datasets::EpochBatcher>(train_examples_, data.batch_size(),
                                                      static_cast<uint64_t>(spec.run().seed()));
}

std::string SimclrTask::data_summary() const {
  return absl::StrCat(folder() ? "image folder " + spec_.data().path() : "Fashion-MNIST", ": ",
                      train_examples_, " training images (labels unused), ", test_examples(),
                      " test images; ", 2 * spec_.data().batch_size(), " views per step");
}

int64_t SimclrTask::test_examples() const {
  return folder() ? folder_test_->size() : test_.images.size(0);
}
at::Tensor SimclrTask::train_labels() const {
  return folder() ? folder_train_->labels() : train_.labels;
}
at::Tensor SimclrTask::test_labels() const {
  return folder() ? folder_test_->labels() : test_.labels;
}

at::Tensor SimclrTask::normalize(const at::Tensor& pixels) const {
  if (folder()) return datasets::normalize_imagenet(pixels);
  return (pixels - datasets::kFashionMnistMean) / datasets::kFashionMnistStd;
}

at::Tensor SimclrTask::eval_images(bool train_split, const at::Tensor& indices) const {
  if (folder()) return (train_split ? folder_train_ : folder_test_)->eval_batch(indices);
  return normalize((train_split ? train_ : test_).images.index_select(0, indices));
}

at::Tensor SimclrTask::views(const at::Tensor& indices, uint64_t seed, int64_t step) const {
  const int64_t S = spec_.simclr().image_size();
  // Folder images: a centre crop a little larger than S (the evaluation resize) to crop views
  // from; Fashion-MNIST: the whole image.
  at::Tensor source = folder()
                          ? folder_train_->eval_batch(indices, 256.0 / 224.0, /*normalize=*/false)
                          : train_.images.index_select(0, indices);
  at::Generator gen = datasets::make_generator(core::mix_seed(seed ^ 0x51C1Aull, step));
  at::Tensor v1 = datasets::augment_view(source, augment_, S, gen);
  at::Tensor v2 = datasets::augment_view(source, augment_, S, gen);
  return normalize(at::cat({v1, v2}, 0));
}

Task::Output SimclrTask::train_forward(int64_t step, models::AttentionObservation* observation) {
  // Data parallel: this rank's images of the global batch, with their own views; the rank's
  // NT-Xent takes its 2B/ranks views as the negatives (no cross-rank gathering).
  at::Tensor idx = shard_rows(batcher_->indices(step));
  const int64_t B = idx.size(0);
  const uint64_t seed = static_cast<uint64_t>(spec_.run().seed()) ^
                        (static_cast<uint64_t>(shard_rank()) * 0x9E3779B97F4A7C15ull);
  at::Tensor z = net_->forward(views(idx, seed, step),
                               observation);  // (2B, projection_dim)
  Output out;
  double accuracy = 0;
  out.loss = nt_xent(z.narrow(0, 0, B), z.narrow(0, B, B), spec_.simclr().temperature(), &accuracy);
  out.metrics["contrastive_accuracy"] = accuracy;
  return out;
}

at::Tensor SimclrTask::features(models::SimclrNetwork& net, bool train_split, int64_t n,
                                at::Tensor* labels) const {
  const int64_t size = train_split ? train_examples_ : test_examples();
  at::Tensor idx = evenly_spaced(size, n);
  if (labels != nullptr)
    *labels = (train_split ? train_labels() : test_labels()).index_select(0, idx);
  std::vector<at::Tensor> out;
  const int64_t chunk = 500;
  for (int64_t i = 0; i < idx.size(0); i += chunk) {
    out.push_back(net->features(
        eval_images(train_split, idx.narrow(0, i, std::min(chunk, idx.size(0) - i)))));
  }
  return at::cat(out, 0);
}

Task::Evaluation SimclrTask::evaluate() {
  const auto& s = spec_.simclr();
  Evaluation e;
  // The NT-Xent loss on the same views of the same test images at every evaluation.
  {
    const int64_t n = std::min<int64_t>(256, test_examples());
    at::Tensor idx = evenly_spaced(test_examples(), n);
    const int64_t S = s.image_size();
    at::Tensor source = folder() ? folder_test_->eval_batch(idx, 256.0 / 224.0, false)
                                 : test_.images.index_select(0, idx);
    at::Generator gen = datasets::make_generator(0xE7A1ull);
    at::Tensor v = normalize(at::cat({datasets::augment_view(source, augment_, S, gen),
                                      datasets::augment_view(source, augment_, S, gen)}));
    at::Tensor z = net_->forward(v);
    double accuracy = 0;
    e.loss =
        nt_xent(z.narrow(0, 0, n), z.narrow(0, n, n), s.temperature(), &accuracy).item<double>();
    e.metrics["contrastive_accuracy"] = accuracy;
  }
  at::Tensor bank_labels, query_labels;
  at::Tensor bank = features(net_, /*train_split=*/true, s.knn_bank(), &bank_labels);
  at::Tensor queries =
      features(net_, /*train_split=*/false, spec_.data().eval_subset(), &query_labels);
  const int64_t classes = train_labels().max().item<int64_t>() + 1;
  e.metrics["knn_accuracy"] = knn_accuracy(bank, bank_labels, queries, query_labels, classes,
                                           s.knn_k(), s.knn_temperature());
  return e;
}

bool SimclrTask::test(Evaluation* out) {
  const auto& s = spec_.simclr();
  const int64_t classes = train_labels().max().item<int64_t>() + 1;
  LinearProbeOptions options;
  options.steps = s.probe_steps();
  options.lr = s.probe_lr();
  options.weight_decay = s.probe_weight_decay();
  auto probe_of = [&](models::SimclrNetwork& net, double* knn) {
    at::Tensor train_y, test_y;
    at::Tensor train_x = features(net, true, s.probe_train_examples(), &train_y);
    at::Tensor test_x = features(net, false, 0, &test_y);
    if (knn != nullptr) {
      const int64_t bank = std::min<int64_t>(s.knn_bank(), train_x.size(0));
      at::Tensor pick = evenly_spaced(train_x.size(0), bank);
      *knn = knn_accuracy(train_x.index_select(0, pick), train_y.index_select(0, pick), test_x,
                          test_y, classes, s.knn_k(), s.knn_temperature());
    }
    // The probe trains with gradient; the features themselves are frozen (detached).
    at::AutoGradMode grad(true);
    return linear_probe(train_x.detach(), train_y, test_x.detach(), test_y, classes, options);
  };
  double knn = 0;
  const LinearProbeResult r = probe_of(net_, &knn);
  out->metrics["probe_accuracy"] = r.test_accuracy;
  out->metrics["probe_train_accuracy"] = r.train_accuracy;
  out->metrics["knn_accuracy"] = knn;
  test_summary_ = absl::StrFormat(
      "linear probe: test accuracy %.2f%% (train %.2f%%) on frozen features of %d training "
      "images; kNN (k=%d) %.2f%%",
      100 * r.test_accuracy, 100 * r.train_accuracy,
      s.probe_train_examples() > 0 ? std::min<int64_t>(s.probe_train_examples(), train_examples_)
                                   : train_examples_,
      s.knn_k(), 100 * knn);
  if (s.probe_random_init()) {
    models::SimclrNetwork initial =
        build_network(spec_);  // the same seed: the same initial weights
    initial->eval();
    const LinearProbeResult r0 = probe_of(initial, nullptr);
    out->metrics["random_init_probe_accuracy"] = r0.test_accuracy;
    absl::StrAppendFormat(&test_summary_,
                          "\nthe same backbone at its random initialisation: linear probe %.2f%% "
                          "(pretraining adds %+.2f points)",
                          100 * r0.test_accuracy, 100 * (r.test_accuracy - r0.test_accuracy));
  }
  return true;
}

bool SimclrTask::probe(models::AttentionObservation* observation) {
  const int64_t n = std::min<int64_t>(32, test_examples());
  net_->features(eval_images(false, at::arange(n, at::kLong)), observation);
  return true;
}

std::vector<sigma_reparam::MetricInfo> SimclrTask::metrics() const {
  std::vector<sigma_reparam::MetricInfo> m = {
      metric_info("test_probe_accuracy", "linear-probe test accuracy", "probe",
                  /*higher_is_better=*/true, /*percent=*/true, /*precision=*/2),
      metric_info("eval_knn_accuracy", "kNN test accuracy (monitor)", "kNN", true, true, 2),
      metric_info("test_knn_accuracy", "kNN test accuracy", "kNN", true, true, 2),
      metric_info("test_probe_train_accuracy", "linear-probe train accuracy", "probe train", true,
                  true, 2),
  };
  if (spec_.simclr().probe_random_init()) {
    m.push_back(metric_info("test_random_init_probe_accuracy",
                            "linear-probe test accuracy, backbone at random init", "probe init",
                            true, true, 2));
  }
  return m;
}

}  // namespace experiments
