#include "experiments/engine/trainer.h"

#include "core/hash.h"

#include <ATen/core/grad_mode.h>
#include <ATen/ATen.h>
#include <google/protobuf/util/json_util.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <limits>
#include <memory>
#include <stdexcept>

#include "core/format.h"
#include "experiments/engine/layer_stats.h"
#include "experiments/engine/metric_format.h"
#include "experiments/engine/optimizer.h"
#include "experiments/engine/progress.h"
#include "experiments/engine/spec_io.h"
#include "experiments/engine/stop_signal.h"
#include "models/autocast.h"
#include "sigma/attention_probe.h"
#include "sigma/sigma_stats.h"

namespace experiments {
namespace {

using sigma_reparam::ExperimentSpec;
using sigma_reparam::LayerEntropy;
using sigma_reparam::LossCurve;
using sigma_reparam::RunResult;
using sigma_reparam::StepMetrics;
using sigma_reparam::TrainerState;
using Clock = std::chrono::steady_clock;

constexpr double kInf = std::numeric_limits<double>::infinity();

// The task's model on `device` (σReparam's u and sigma are buffers and move with it), before
// the optimiser sees its parameters; the task's batches follow (Task::to_device).
torch::nn::Module& placed_model(Task& task, const c10::Device& device) {
  task.set_device(device);
  task.model().to(device);
  return task.model();
}

// One run of train(): the state the named steps below share.
class TrainingRun {
 public:
  TrainingRun(const ExperimentSpec& spec, Task& task, const RunOptions& options)
      : spec_(spec),
        task_(task),
        options_(options),
        parallel_(options.parallel),
        writer_(parallel_ == nullptr || parallel_->rank() == 0),
        dir_(options.run_dir),
        model_(placed_model(task, options.device)),
        optimizer_(spec.optimizer(), model_),
        parameters_(model_.parameters()),
        total_(total_steps(spec, task.examples_per_epoch())),
        metric_infos_(task.metrics()),
        progress_(options.progress && writer_, total_),
        digest_(spec_digest(spec)) {
    if (parallel_ != nullptr) task.set_shard(parallel_->rank(), parallel_->world_size());
  }

  RunResult run();

 private:
  enum class StepEnd { kContinue, kDiverged, kInterrupted, kStopped };

  void open_run_directory();
  // What every rank agrees on after a step's backward pass (a lone run: its own loss).
  struct Agreed {
    double loss = 0;
    bool stop = false, timed_checkpoint = false;
  };

  // One step in its phases: the forward pass, the backward pass (across the ranks, or alone
  // with the divergence checks), the optimiser's update, its metrics and progress, and the
  // checkpoint and stop decisions.
  StepEnd train_step(int64_t step);
  Task::Output forward(int64_t step, models::AttentionObservation* observation);
  Agreed backward_across_ranks(int64_t step, Task::Output& out);
  std::string backward_and_check(int64_t step, const Task::Output& out, double loss, StepMetrics& m,
                                 double* grad_norm);
  void update(int64_t step, double lr, double grad_norm, StepMetrics& m);
  void report_step(int64_t step, double loss, const Task::Output& out, bool log_step,
                   StepMetrics& m);
  StepEnd end_step(int64_t step, Agreed agreed);
  void record_entropy(const models::AttentionObservation& observation, StepMetrics& m);
  std::string check_divergence(int64_t step, double loss);
  void record_loss_interval(int64_t step, double mean);
  std::string evaluate(StepMetrics& m);
  void save_state(int64_t step);
  void record_failure(const std::string& reason);
  void finish();
  void write_result(RunResult::Status status, int64_t step, const std::string& reason);
  void write_metrics(const StepMetrics& m);
  std::string metrics_text(const Task::Metrics& metrics, const std::string& prefix) const;
  // rank 0's (or a lone run's) clock: run.checkpoint_seconds have passed since the last one.
  bool checkpoint_due() const {
    const double every = spec_.run().checkpoint_seconds();
    return every > 0 &&
           std::chrono::duration<double>(Clock::now() - last_checkpoint_).count() >= every;
  }
  double wall() const {
    return wall_before_ + std::chrono::duration<double>(Clock::now() - start_).count();
  }

  const ExperimentSpec& spec_;
  Task& task_;
  const RunOptions& options_;
  DataParallel* const parallel_;
  const bool writer_;  // rank 0 (or alone): writes the run directory
  const std::string dir_;
  torch::nn::Module& model_;
  Optimizer optimizer_;
  const std::vector<at::Tensor> parameters_;
  const int64_t total_;
  const std::vector<sigma_reparam::MetricInfo> metric_infos_;
  Progress progress_;
  std::unique_ptr<LayerStats> layer_stats_;  // while step <= run.layer_diagnostics_steps
  const std::string digest_;

  TrainerState state_;  // as of the last checkpoint, plus the first loss
  RunResult result_;
  std::ofstream metrics_;
  Clock::time_point start_;
  int64_t first_step_ = 1;
  double wall_before_ = 0;
  double last_min_entropy_ = std::numeric_limits<double>::quiet_NaN();
  std::string last_eval_text_;  // " | eval loss ... | <metrics>" of the last evaluation
  double loss_sum_ = 0;
  int64_t loss_count_ = 0;
  Clock::time_point last_checkpoint_;
};

void TrainingRun::open_run_directory() {
  if (writer_) make_dirs(dir_);
  const std::string metrics_path = dir_ + "/metrics.jsonl";
  if (options_.resume && parallel_ != nullptr) {
    // Rank 0 reads the checkpoint; every rank restores the same bytes.
    const std::string bytes =
        parallel_->broadcast_bytes(writer_ ? read_checkpoint_bytes(dir_) : std::string());
    state_ = load_checkpoint_bytes(bytes, dir_ + "/checkpoint.pt", model_, optimizer_, digest_);
  } else if (options_.resume) {
    state_ = load_checkpoint(dir_, model_, optimizer_, digest_);
  }
  if (parallel_ != nullptr) {
    parallel_->broadcast_module(model_);
    parallel_->attach(parameters_);
  }
  if (writer_ && options_.resume) {
    if (truncate(metrics_path.c_str(), state_.metrics_bytes()) != 0) {
      throw std::runtime_error(metrics_path + ": cannot truncate to the checkpoint");
    }
    progress_.line("resuming " + dir_ + " at step " + std::to_string(state_.step()) + "/" +
                   std::to_string(total_));
  } else if (writer_) {
    core::write_atomically(dir_ + "/spec.textproto", spec_to_text(spec_));
    std::ofstream(metrics_path, std::ios::trunc);
    std::remove((dir_ + "/checkpoint.pt").c_str());
  }
  if (writer_) metrics_.open(metrics_path, std::ios::app);
  start_ = Clock::now();
  last_checkpoint_ = start_;
  wall_before_ = state_.wall_seconds();
  loss_sum_ = state_.loss_sum();
  loss_count_ = state_.loss_count();
  first_step_ = state_.step() + 1;
  result_.set_total_steps(total_);
  *result_.mutable_environment() = options_.environment;
  result_.mutable_environment()->set_ranks(parallel_ == nullptr ? 1 : parallel_->world_size());
  if (spec_.has_sweep_run()) *result_.mutable_identity() = spec_.sweep_run();
  if (!metric_infos_.empty()) *result_.mutable_headline() = metric_infos_.front();
  write_result(RunResult::RUNNING, state_.step(), "");
}

// Every result, DIVERGED and FAILED included, carries the lowest entropy seen so far: a
// collapse before a divergence is the paper's point.
void TrainingRun::write_result(RunResult::Status status, int64_t step, const std::string& reason) {
  result_.set_status(status);
  result_.set_step(step);
  if (!reason.empty()) result_.set_reason(reason);
  *result_.mutable_lowest_entropy() = state_.lowest_entropy();
  if (state_.has_loss_curve()) *result_.mutable_loss_curve() = state_.loss_curve();
  double overall = kInf;
  for (const auto& e : state_.lowest_entropy()) overall = std::min(overall, e.mean());
  if (state_.lowest_entropy_size() > 0) result_.set_min_entropy(overall);
  result_.set_wall_seconds(wall());
  if (writer_) core::write_atomically(dir_ + "/result.textproto", to_text(result_));
}

void TrainingRun::write_metrics(const StepMetrics& m) {
  if (!writer_) return;
  std::string json;
  google::protobuf::util::MessageToJsonString(m, &json);
  metrics_ << json << "\n";
  metrics_.flush();
  if (!metrics_) {
    throw std::runtime_error(dir_ +
                             "/metrics.jsonl: write failed (disk full or file size limit?)"
                             "; the last checkpoint and its metrics are intact for --resume");
  }
}

// Entropy of this step's forward pass per attention layer, and the lowest seen per layer.
void TrainingRun::record_entropy(const models::AttentionObservation& observation, StepMetrics& m) {
  for (const auto& record : observation.records) {
    auto* le = m.add_entropy();
    le->set_stack(record.site.stack);
    le->set_kind(models::attention_kind_name(record.site.kind));
    le->set_layer(static_cast<int>(record.site.layer));
    le->set_mean(record.entropy.mean.item<double>());
    le->set_uniform(record.uniform_entropy.item<double>());
    for (int64_t h = 0; h < record.entropy.per_head.size(0); ++h) {
      le->add_per_head(record.entropy.per_head[h].item<double>());
    }
    LayerEntropy* lowest = nullptr;
    for (auto& e : *state_.mutable_lowest_entropy()) {
      if (e.stack() == le->stack() && e.kind() == le->kind() && e.layer() == le->layer()) {
        lowest = &e;
      }
    }
    if (lowest == nullptr) {
      lowest = state_.add_lowest_entropy();
      lowest->set_stack(le->stack());
      lowest->set_kind(le->kind());
      lowest->set_layer(le->layer());
      lowest->set_mean(kInf);
    }
    // The step where the entropy was lowest relative to uniform attention over the same batch's
    // visible keys (batches of different lengths have different uniform entropies), with that
    // step's uniform reference; for fixed-length inputs simply the lowest mean.
    const auto relative = [](double mean, double uniform) {
      return uniform > 0 ? mean / uniform : mean;
    };
    if (std::isfinite(le->mean()) &&
        (!std::isfinite(lowest->mean()) ||
         relative(le->mean(), le->uniform()) < relative(lowest->mean(), lowest->uniform()))) {
      lowest->set_mean(le->mean());
      lowest->set_uniform(le->uniform());
    }
  }
}

std::string TrainingRun::check_divergence(int64_t step, double loss) {
  if (!std::isfinite(loss)) return "non-finite loss (" + std::to_string(loss) + ")";
  if (step == 1 && !state_.has_first_loss()) state_.set_first_loss(loss);
  const double ratio = spec_.run().divergence_loss_ratio();
  if (ratio > 0 && loss > ratio * state_.first_loss()) {
    return "loss " + std::to_string(loss) + " exceeds " + std::to_string(ratio) +
           " x the first loss " + std::to_string(state_.first_loss());
  }
  return "";
}

// The loss curve's summary, one log interval at a time (kept in the checkpointed state, so that
// a resumed run records the same curve as one that ran through).
void TrainingRun::record_loss_interval(int64_t step, double mean) {
  LossCurve& c = *state_.mutable_loss_curve();
  if (c.intervals() == 0) {
    c.set_first(mean);
    c.set_lowest(mean);
  }
  c.set_lowest(std::min(c.lowest(), mean));
  if (c.intervals() > 0 && (!c.has_highest() || mean > c.highest())) {
    c.set_highest(mean);
    c.set_highest_step(step);
  }
  c.set_last(mean);
  c.set_intervals(c.intervals() + 1);
}

std::string TrainingRun::metrics_text(const Task::Metrics& metrics,
                                      const std::string& prefix) const {
  std::string text;
  for (const auto& info : metric_infos_) {
    if (info.name().rfind(prefix, 0) != 0) continue;
    auto it = metrics.find(info.name().substr(prefix.size()));
    if (it == metrics.end()) continue;
    text += " | " + info.short_label() + " " + format_metric(info, it->second);
  }
  return text;
}

// Evaluation on an eval step: into the step's metrics and the result; returns the progress text.
std::string TrainingRun::evaluate(StepMetrics& m) {
  model_.eval();
  at::NoGradGuard no_grad;
  const Task::Evaluation e = task_.evaluate();
  (*m.mutable_metrics())["eval_loss"] = e.loss;
  (*result_.mutable_metrics())["eval_loss"] = e.loss;
  for (const auto& [name, value] : e.metrics) {
    (*m.mutable_metrics())["eval_" + name] = value;
    (*result_.mutable_metrics())["eval_" + name] = value;
  }
  char buf[64];
  std::snprintf(buf, sizeof(buf), " | eval loss %.4f", e.loss);
  return buf + metrics_text(e.metrics, "eval_");
}

void TrainingRun::save_state(int64_t step) {
  if (parallel_ != nullptr) parallel_->check_replicas_agree(model_);
  if (!writer_) return;
  // The state moves on only once the checkpoint is on disk: a failed write leaves the record
  // pointing at the checkpoint that is there.
  TrainerState next = state_;
  next.set_step(step);
  next.set_metrics_bytes(static_cast<int64_t>(metrics_.tellp()));
  next.set_wall_seconds(wall());
  next.set_loss_sum(loss_sum_);
  next.set_loss_count(loss_count_);
  next.set_spec_digest(digest_);
  save_checkpoint(dir_, model_, optimizer_, next);
  state_ = std::move(next);
  // The record names the checkpoint too: a rank killed before it can say FAILED (or the
  // launcher's SIGKILL after the grace period) leaves a record that resumes from here.
  write_result(RunResult::RUNNING, step, "");
}

// FAILED with `reason`, as far as the disk allows: a full disk must not hide the first error.
void TrainingRun::record_failure(const std::string& reason) {
  try {
    write_result(RunResult::FAILED, state_.step(), reason);
  } catch (const std::exception&) {
  }
}

Task::Output TrainingRun::forward(int64_t step, models::AttentionObservation* observation) {
  const uint64_t step_seed = core::mix_seed(static_cast<uint64_t>(spec_.run().seed()), step);
  // Each rank its own dropout masks; rank 0 (and a run alone) the same as ever.
  at::manual_seed(parallel_ == nullptr || parallel_->rank() == 0
                      ? step_seed
                      : core::mix_seed(step_seed, parallel_->rank()));
  model_.train();
  optimizer_.zero_grad();
  models::Bf16Autocast autocast(options_.device.type(),
                                spec_.run().precision() == sigma_reparam::RunSpec::BF16);
  return task_.train_forward(step, observation);
}

TrainingRun::Agreed TrainingRun::backward_across_ranks(int64_t step, Task::Output& out) {
  // Every rank runs backward (the reducer averages the gradients as they arrive), then the
  // loss and training metrics are averaged too, so that all ranks take the same decisions.
  // The loss, the metrics, then two flags every rank must agree on: a stop request (any
  // rank's signal) and rank 0's clock saying a checkpoint is due.
  std::vector<double> values = {out.loss.item<double>()};
  for (const auto& [name, value] : out.metrics) values.push_back(value);
  values.push_back(stop_requested() != 0 ? 1.0 : 0.0);
  values.push_back(writer_ && checkpoint_due() ? 1.0 : 0.0);
  try {
    parallel_->prepare_for_backward(out.loss);
    out.loss.backward();
    values = parallel_->mean(values);
  } catch (const std::exception& e) {
    const auto* c10_error = dynamic_cast<const c10::Error*>(&e);
    throw std::runtime_error("data-parallel step " + std::to_string(step) + ": " +
                             (c10_error ? c10_error->what_without_backtrace() : e.what()) +
                             " (another rank died, hung or timed out)");
  }
  Agreed agreed;
  agreed.loss = values[0];
  size_t i = 1;
  for (auto& [name, value] : out.metrics) value = values[i++];
  agreed.stop = values[i++] > 0;
  agreed.timed_checkpoint = values[i++] > 0;
  return agreed;
}

std::string TrainingRun::backward_and_check(int64_t step, const Task::Output& out, double loss,
                                            StepMetrics& m, double* grad_norm) {
  std::string diverged = check_divergence(step, loss);
  *grad_norm = std::numeric_limits<double>::quiet_NaN();
  if (diverged.empty()) {
    if (parallel_ == nullptr) out.loss.backward();
    *grad_norm = global_grad_norm(parameters_);
    m.set_grad_norm(*grad_norm);
    if (!std::isfinite(*grad_norm)) diverged = "non-finite gradient norm";
  }
  return diverged;
}

void TrainingRun::update(int64_t step, double lr, double grad_norm, StepMetrics& m) {
  const bool diagnostic_step = step <= spec_.run().layer_diagnostics_steps();
  if (diagnostic_step) {
    if (layer_stats_ == nullptr) layer_stats_ = std::make_unique<LayerStats>(model_);
    layer_stats_->before_step(m);
  }
  clip_grad_norm(parameters_, grad_norm, spec_.optimizer().clip_grad_norm());
  optimizer_.step(lr);
  if (diagnostic_step) layer_stats_->after_step(m);
}

void TrainingRun::report_step(int64_t step, double loss, const Task::Output& out, bool log_step,
                              StepMetrics& m) {
  const auto& run = spec_.run();
  const bool eval_step =
      step == total_ || (run.eval_interval() > 0 && step % run.eval_interval() == 0);
  loss_sum_ += loss;
  ++loss_count_;
  for (const auto& [name, value] : out.metrics) (*m.mutable_metrics())["train_" + name] = value;
  if (log_step) {
    for (const auto& s : sigma::collect_sigma_reparam_stats(model_)) {
      auto* r = m.add_reparam();
      r->set_name(s.name);
      r->set_sigma(s.sigma);
      r->set_gamma(s.gamma);
    }
  }
  const std::string extra = eval_step && writer_ ? evaluate(m) : "";
  if (eval_step) last_eval_text_ = extra;
  const double elapsed = std::chrono::duration<double>(Clock::now() - start_).count();
  const double rate = (step - first_step_ + 1) / std::max(elapsed, 1e-9);
  if (log_step || eval_step || step <= run.layer_diagnostics_steps()) {
    m.set_steps_per_second(rate);
    m.set_wall_seconds(wall());
    write_metrics(m);
  }
  progress_.update(step, loss, last_min_entropy_, rate, log_step || eval_step, extra);
  if (log_step) {
    const double interval_mean = loss_sum_ / std::max<int64_t>(1, loss_count_);
    result_.set_final_loss(interval_mean);
    record_loss_interval(step, interval_mean);
    loss_sum_ = 0;
    loss_count_ = 0;
  }
}

TrainingRun::StepEnd TrainingRun::end_step(int64_t step, Agreed agreed) {
  const auto& run = spec_.run();
  if (parallel_ == nullptr) {
    agreed.stop = stop_requested() != 0;
    agreed.timed_checkpoint = checkpoint_due();
  }
  if (step == total_ || (run.checkpoint_interval() > 0 && step % run.checkpoint_interval() == 0) ||
      agreed.timed_checkpoint || agreed.stop) {
    save_state(step);
    last_checkpoint_ = Clock::now();
  }
  if (agreed.stop && step < total_) {
    // A data-parallel rank may stop on another rank's signal.
    const int signo = stop_requested();
    const std::string why = signo == SIGTERM  ? "SIGTERM"
                            : signo == SIGINT ? "SIGINT"
                                              : "another rank's SIGINT or SIGTERM";
    progress_.line("INTERRUPTED by " + why + " after step " + std::to_string(step) +
                   " (checkpoint written); continue it with --resume");
    write_result(RunResult::INTERRUPTED, step, "stopped by " + why);
    return StepEnd::kStopped;
  }
  if (options_.after_step) options_.after_step(step);
  if (options_.interrupt_after_step > 0 && step == options_.interrupt_after_step && step < total_) {
    return StepEnd::kInterrupted;  // as if killed: the result stays RUNNING
  }
  return StepEnd::kContinue;
}

TrainingRun::StepEnd TrainingRun::train_step(int64_t step) {
  const bool log_step = step == 1 || step % spec_.run().log_interval() == 0 || step == total_;
  const double lr = scheduled_lr(spec_.schedule(), spec_.optimizer().lr(), step - 1, total_);
  models::AttentionObservation observation;
  Task::Output out = forward(step, log_step ? &observation : nullptr);
  Agreed agreed;
  if (parallel_ != nullptr) {
    agreed = backward_across_ranks(step, out);
  } else {
    agreed.loss = out.loss.item<double>();
  }
  StepMetrics m;
  m.set_step(step);
  m.set_loss(agreed.loss);
  m.set_lr(lr);
  // Recorded before any divergence check, so that a diverging step still reports its attention.
  record_entropy(observation, m);
  if (log_step) {
    last_min_entropy_ = kInf;
    for (const auto& le : m.entropy()) last_min_entropy_ = std::min(last_min_entropy_, le.mean());
  }
  double grad_norm = 0;
  const std::string diverged = backward_and_check(step, out, agreed.loss, m, &grad_norm);
  if (!diverged.empty()) {
    write_metrics(m);
    progress_.line("DIVERGED at step " + std::to_string(step) + ": " + diverged);
    write_result(RunResult::DIVERGED, step, diverged);
    return StepEnd::kDiverged;
  }
  update(step, lr, grad_norm, m);
  report_step(step, agreed.loss, out, log_step, m);
  return end_step(step, agreed);
}

// The trained model's attention probe (Theorem 3.1 points), the test split, COMPLETED.
void TrainingRun::finish() {
  if (!writer_) {  // rank 0 probes, tests and records
    write_result(RunResult::COMPLETED, total_, "");
    return;
  }
  model_.eval();
  at::NoGradGuard no_grad;
  models::AttentionObservation observation;
  observation.keep_logits = true;
  if (task_.probe(&observation)) {
    for (const auto& record : observation.records) {
      for (const auto& p : sigma::probe_attention_logits(record.logits)) {
        auto* h = result_.add_attention_probe();
        h->set_stack(record.site.stack);
        h->set_kind(models::attention_kind_name(record.site.kind));
        h->set_layer(static_cast<int>(record.site.layer));
        h->set_head(static_cast<int>(p.head));
        h->set_keys(p.keys);
        h->set_rows(p.rows);
        h->set_max_logit_norm(p.max_logit_norm);
        h->set_mean_logit_norm(p.mean_logit_norm);
        h->set_mean_entropy(p.mean_entropy);
        h->set_min_entropy(p.min_entropy);
        h->set_min_bound_slack(p.min_bound_slack);
      }
    }
  }
  Task::Evaluation t;
  std::string test_text;
  if (task_.test(&t)) {
    (*result_.mutable_metrics())["test_loss"] = t.loss;
    for (const auto& [name, value] : t.metrics)
      (*result_.mutable_metrics())["test_" + name] = value;
    test_text = " | test" + metrics_text(t.metrics, "test_");
  }
  write_result(RunResult::COMPLETED, total_, "");
  char buf[96];
  std::snprintf(buf, sizeof(buf), "COMPLETED %ld steps in %s", static_cast<long>(total_),
                core::clock_time(result_.wall_seconds()).c_str());
  progress_.line(buf + last_eval_text_ + test_text);  // the last step evaluated
  if (const std::string summary = task_.test_summary(); !summary.empty()) progress_.line(summary);
}

RunResult TrainingRun::run() {
  open_run_directory();
  try {
    for (int64_t step = first_step_; step <= total_; ++step) {
      switch (train_step(step)) {
        case StepEnd::kContinue:
          break;
        case StepEnd::kDiverged:
        case StepEnd::kInterrupted:
        case StepEnd::kStopped:
          return result_;
      }
    }
  } catch (const c10::Error& e) {
    // LibTorch's errors carry a C++ backtrace: the record keeps the message.
    record_failure(e.what_without_backtrace());
    throw;
  } catch (const std::exception& e) {
    record_failure(e.what());
    throw;
  }
  finish();
  return result_;
}

}  // namespace

int64_t total_steps(const ExperimentSpec& spec, int64_t examples) {
  if (spec.run().steps() > 0) return spec.run().steps();
  const int64_t per_epoch = std::max<int64_t>(1, examples / spec.data().batch_size());
  return std::max<int64_t>(1, std::llround(spec.run().epochs() * per_epoch));
}

RunResult train(const ExperimentSpec& spec, Task& task, const RunOptions& options) {
  TrainingRun run(spec, task, options);
  return run.run();
}

}  // namespace experiments
