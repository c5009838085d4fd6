#include "experiments/trainer.h"

#include <ATen/ATen.h>
#include <google/protobuf/text_format.h>
#include <google/protobuf/util/json_util.h>
#include <sys/stat.h>
#include <torch/serialize/archive.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <limits>
#include <sstream>
#include <stdexcept>

#include "datasets/augment.h"
#include "experiments/optimizer.h"
#include "experiments/spec_io.h"
#include "sigma/attention_probe.h"
#include "sigma/sigma_stats.h"

namespace experiments {
namespace {

using sigma_reparam::ExperimentSpec;
using sigma_reparam::RunResult;
using sigma_reparam::StepMetrics;
using sigma_reparam::TrainerState;
using Clock = std::chrono::steady_clock;

void write_atomically(const std::string& path, const std::string& contents) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << contents;
    out.flush();
    if (!out) throw std::runtime_error(tmp + ": write failed");
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    throw std::runtime_error("cannot rename " + tmp + " to " + path);
  }
}

std::string to_text(const google::protobuf::Message& m) {
  std::string text;
  google::protobuf::TextFormat::PrintToString(m, &text);
  return text;
}

void make_dirs(const std::string& path) {
  std::string partial;
  std::stringstream ss(path);
  std::string piece;
  if (!path.empty() && path[0] == '/') partial = "/";
  while (std::getline(ss, piece, '/')) {
    if (piece.empty()) continue;
    partial += piece + "/";
    mkdir(partial.c_str(), 0755);
  }
  struct stat st;
  if (stat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    throw std::runtime_error(path + ": cannot create run directory");
  }
}

std::string format_duration(double seconds) {
  const auto s = static_cast<int64_t>(std::max(0.0, seconds));
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%ld:%02ld", static_cast<long>(s / 60),
                static_cast<long>(s % 60));
  return buf;
}

// Live progress: one rewritten line on a terminal (evaluation lines stay), a plain line per log
// step otherwise.
class Progress {
 public:
  Progress(bool enabled, int64_t total)
      : enabled_(enabled), tty_(isatty(STDOUT_FILENO)), total_(total) {}
  void update(int64_t step, double loss, double min_entropy, double steps_per_second, bool log_step,
              const std::string& extra) {
    if (!enabled_ || (!tty_ && !log_step)) return;
    if (tty_ && !log_step && step % 5 != 0) return;
    const double eta = steps_per_second > 0 ? (total_ - step) / steps_per_second : 0;
    std::printf("%sstep %ld/%ld | loss %.4f | min entropy %s | %.1f steps/s | ETA %s%s%s",
                tty_ ? "\r\033[K" : "", static_cast<long>(step), static_cast<long>(total_), loss,
                std::isfinite(min_entropy) ? std::to_string(min_entropy).substr(0, 5).c_str() : "-",
                steps_per_second, format_duration(eta).c_str(), extra.c_str(),
                tty_ && extra.empty() ? "" : "\n");
    std::fflush(stdout);
  }
  void line(const std::string& text) {
    if (!enabled_) return;
    std::printf("%s%s\n", tty_ ? "\r\033[K" : "", text.c_str());
    std::fflush(stdout);
  }

 private:
  bool enabled_, tty_;
  int64_t total_;
};

void save_checkpoint(const std::string& dir, torch::nn::Module& model, const Optimizer& optimizer,
                     const TrainerState& state) {
  torch::serialize::OutputArchive archive, model_archive, optimizer_archive;
  model.save(model_archive);
  optimizer.save(optimizer_archive);
  archive.write("model", model_archive);
  archive.write("optimizer", optimizer_archive);
  archive.write("trainer_state", c10::IValue(state.SerializeAsString()));
  const std::string path = dir + "/checkpoint.pt", tmp = path + ".tmp";
  archive.save_to(tmp);
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    throw std::runtime_error("cannot rename " + tmp + " to " + path);
  }
}

TrainerState load_checkpoint(const std::string& dir, torch::nn::Module& model,
                             Optimizer& optimizer) {
  const std::string path = dir + "/checkpoint.pt";
  struct stat st;
  if (stat(path.c_str(), &st) != 0) {
    throw std::runtime_error(path + ": no checkpoint to resume from");
  }
  torch::serialize::InputArchive archive, model_archive, optimizer_archive;
  archive.load_from(path);
  archive.read("model", model_archive);
  archive.read("optimizer", optimizer_archive);
  model.load(model_archive);
  optimizer.load(optimizer_archive);
  c10::IValue state_value;
  archive.read("trainer_state", state_value);
  TrainerState state;
  if (!state.ParseFromString(state_value.toStringRef())) {
    throw std::runtime_error(path + ": corrupt trainer state");
  }
  return state;
}

// The trained model's attention on the task's probe batch, per head (Theorem 3.1 points).
void record_attention_probe(Task& task, RunResult& result) {
  task.model().eval();
  at::NoGradGuard no_grad;
  models::AttentionObservation observation;
  observation.keep_logits = true;
  if (!task.probe(&observation)) return;
  for (size_t layer = 0; layer < observation.logits.size(); ++layer) {
    for (const auto& p : sigma::probe_attention_logits(observation.logits[layer])) {
      auto* h = result.add_attention_probe();
      h->set_layer(static_cast<int>(layer));
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

}  // namespace

int64_t total_steps(const ExperimentSpec& spec, int64_t examples) {
  if (spec.run().steps() > 0) return spec.run().steps();
  const int64_t per_epoch = std::max<int64_t>(1, examples / spec.data().batch_size());
  return std::max<int64_t>(1, std::llround(spec.run().epochs() * per_epoch));
}

void load_model_weights(const std::string& run_dir, torch::nn::Module& model) {
  const std::string path = run_dir + "/checkpoint.pt";
  struct stat st;
  if (stat(path.c_str(), &st) != 0) {
    throw std::runtime_error(path + ": no checkpoint (train the run first)");
  }
  torch::serialize::InputArchive archive, model_archive;
  archive.load_from(path);
  archive.read("model", model_archive);
  model.load(model_archive);
}

RunResult read_result(const std::string& run_dir) {
  RunResult result;
  std::ifstream in(run_dir + "/result.textproto");
  if (!in) return result;
  std::stringstream text;
  text << in.rdbuf();
  if (!google::protobuf::TextFormat::ParseFromString(text.str(), &result)) result.Clear();
  return result;
}

RunResult train(const ExperimentSpec& spec, Task& task, const RunOptions& options) {
  const auto& run = spec.run();
  const std::string& dir = options.run_dir;
  make_dirs(dir);
  torch::nn::Module& model = task.model();
  Optimizer optimizer(spec.optimizer(), model);
  const std::vector<at::Tensor> parameters = model.parameters();
  const int64_t total = total_steps(spec, task.examples_per_epoch());

  TrainerState state;
  const std::string metrics_path = dir + "/metrics.jsonl";
  if (options.resume) {
    state = load_checkpoint(dir, model, optimizer);
    if (truncate(metrics_path.c_str(), state.metrics_bytes()) != 0) {
      throw std::runtime_error(metrics_path + ": cannot truncate to the checkpoint");
    }
  } else {
    write_atomically(dir + "/spec.textproto", spec_to_text(spec));
    std::ofstream(metrics_path, std::ios::trunc);
    std::remove((dir + "/checkpoint.pt").c_str());
  }

  const auto start = Clock::now();
  const double wall_before = state.wall_seconds();
  auto wall = [&] {
    return wall_before + std::chrono::duration<double>(Clock::now() - start).count();
  };
  std::vector<double> min_entropy(state.min_entropy_per_layer().begin(),
                                  state.min_entropy_per_layer().end());
  RunResult result;
  result.set_total_steps(total);
  *result.mutable_environment() = options.environment;
  // Every result, DIVERGED and FAILED included, carries the lowest entropy seen so far: a
  // collapse before a divergence is the paper's point.
  auto write_result = [&](RunResult::Status status, int64_t step, const std::string& reason) {
    result.set_status(status);
    result.set_step(step);
    if (!reason.empty()) result.set_reason(reason);
    result.clear_min_entropy_per_layer();
    double overall = std::numeric_limits<double>::infinity();
    for (double e : min_entropy) {
      result.add_min_entropy_per_layer(e);
      overall = std::min(overall, e);
    }
    if (!min_entropy.empty()) result.set_min_entropy(overall);
    result.set_wall_seconds(wall());
    write_atomically(dir + "/result.textproto", to_text(result));
  };
  write_result(RunResult::RUNNING, state.step(), "");

  std::ofstream metrics(metrics_path, std::ios::app);
  auto write_metrics = [&](const StepMetrics& m) {
    std::string json;
    google::protobuf::util::MessageToJsonString(m, &json);
    metrics << json << "\n";
    metrics.flush();
  };
  Progress progress(options.progress, total);
  double last_min_entropy = std::numeric_limits<double>::quiet_NaN();
  double loss_sum = state.loss_sum();
  int64_t loss_count = state.loss_count();
  const int64_t first_step = state.step() + 1;
  if (options.resume) {
    progress.line("resuming " + dir + " at step " + std::to_string(state.step()) + "/" +
                  std::to_string(total));
  }

  auto finish_eval = [&](StepMetrics& m) {
    model.eval();
    at::NoGradGuard no_grad;
    Task::Evaluation e = task.evaluate();
    m.set_eval_loss(e.loss);
    result.set_eval_loss(e.loss);
    if (task.reports_perplexity()) {
      m.set_eval_perplexity(std::exp(e.loss));
      result.set_eval_perplexity(std::exp(e.loss));
    }
    if (e.word_perplexity >= 0) {
      m.set_eval_word_perplexity(e.word_perplexity);
      result.set_eval_word_perplexity(e.word_perplexity);
    }
    if (e.accuracy >= 0) {
      m.set_eval_accuracy(e.accuracy);
      result.set_eval_accuracy(e.accuracy);
    }
    return e;
  };

  try {
    for (int64_t step = first_step; step <= total; ++step) {
      at::manual_seed(datasets::mix_seed(static_cast<uint64_t>(run.seed()), step));
      model.train();
      const bool log_step = step == 1 || step % run.log_interval() == 0 || step == total;
      const bool eval_step =
          step == total || (run.eval_interval() > 0 && step % run.eval_interval() == 0);
      const double lr = scheduled_lr(spec.schedule(), spec.optimizer().lr(), step - 1, total);
      optimizer.zero_grad();
      models::AttentionObservation observation;
      Task::Output out = task.train_forward(step, log_step ? &observation : nullptr);
      const double loss = out.loss.item<double>();
      StepMetrics m;
      m.set_step(step);
      m.set_loss(loss);
      m.set_lr(lr);
      // Entropy of this step's forward pass, recorded before any divergence check so that a
      // diverging step still reports the attention it had.
      for (size_t layer = 0; layer < observation.entropy.size(); ++layer) {
        const auto& e = observation.entropy[layer];
        auto* le = m.add_entropy();
        le->set_layer(static_cast<int>(layer));
        le->set_mean(e.mean.item<double>());
        for (int64_t h = 0; h < e.per_head.size(0); ++h) {
          le->add_per_head(e.per_head[h].item<double>());
        }
        if (min_entropy.size() <= layer) {
          min_entropy.push_back(std::numeric_limits<double>::infinity());
        }
        if (std::isfinite(le->mean()))
          min_entropy[layer] = std::min(min_entropy[layer], le->mean());
      }
      if (log_step) {
        last_min_entropy = std::numeric_limits<double>::infinity();
        for (const auto& le : m.entropy()) last_min_entropy = std::min(last_min_entropy, le.mean());
      }
      std::string diverged;
      if (!std::isfinite(loss)) {
        diverged = "non-finite loss (" + std::to_string(loss) + ")";
      } else if (step == 1 && !state.has_first_loss()) {
        state.set_first_loss(loss);
      }
      if (diverged.empty() && run.divergence_loss_ratio() > 0 &&
          loss > run.divergence_loss_ratio() * state.first_loss()) {
        diverged = "loss " + std::to_string(loss) + " exceeds " +
                   std::to_string(run.divergence_loss_ratio()) + " x the first loss " +
                   std::to_string(state.first_loss());
      }
      double grad_norm = std::numeric_limits<double>::quiet_NaN();
      if (diverged.empty()) {
        out.loss.backward();
        grad_norm = global_grad_norm(parameters);
        m.set_grad_norm(grad_norm);
        if (!std::isfinite(grad_norm)) diverged = "non-finite gradient norm";
      }
      if (!diverged.empty()) {
        write_metrics(m);
        progress.line("DIVERGED at step " + std::to_string(step) + ": " + diverged);
        write_result(RunResult::DIVERGED, step, diverged);
        return result;
      }
      clip_grad_norm(parameters, grad_norm, spec.optimizer().clip_grad_norm());
      optimizer.step(lr);
      loss_sum += loss;
      ++loss_count;
      if (out.accuracy >= 0) m.set_train_accuracy(out.accuracy);

      if (log_step) {
        for (const auto& s : sigma::collect_sigma_reparam_stats(model)) {
          auto* r = m.add_reparam();
          r->set_name(s.name);
          r->set_sigma(s.sigma);
          r->set_gamma(s.gamma);
        }
      }
      std::string extra;
      if (eval_step) {
        Task::Evaluation e = finish_eval(m);
        char buf[64];
        std::snprintf(buf, sizeof(buf), " | eval loss %.4f", e.loss);
        extra = buf;
        if (e.accuracy >= 0) {
          std::snprintf(buf, sizeof(buf), " acc %.2f%%", 100 * e.accuracy);
          extra += buf;
        }
        if (task.reports_perplexity()) {
          std::snprintf(buf, sizeof(buf), " ppl %.1f", std::exp(e.loss));
          extra += buf;
        }
        if (e.word_perplexity >= 0) {
          std::snprintf(buf, sizeof(buf), " (per word %.1f)", e.word_perplexity);
          extra += buf;
        }
      }
      const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
      const double rate = (step - first_step + 1) / std::max(elapsed, 1e-9);
      if (log_step || eval_step) {
        m.set_steps_per_second(rate);
        m.set_wall_seconds(wall());
        write_metrics(m);
      }
      progress.update(step, loss, last_min_entropy, rate, log_step || eval_step, extra);
      if (log_step) {
        result.set_final_loss(loss_sum / std::max<int64_t>(1, loss_count));
        loss_sum = 0;
        loss_count = 0;
      }

      const bool checkpoint_step =
          step == total || (run.checkpoint_interval() > 0 && step % run.checkpoint_interval() == 0);
      if (checkpoint_step) {
        state.set_step(step);
        state.set_metrics_bytes(static_cast<int64_t>(metrics.tellp()));
        state.set_wall_seconds(wall());
        state.set_loss_sum(loss_sum);
        state.set_loss_count(loss_count);
        state.clear_min_entropy_per_layer();
        for (double e : min_entropy) state.add_min_entropy_per_layer(e);
        save_checkpoint(dir, model, optimizer, state);
      }
      if (options.interrupt_after_step > 0 && step == options.interrupt_after_step &&
          step < total) {
        return result;  // as if killed: result stays RUNNING
      }
    }
  } catch (const std::exception& e) {
    write_result(RunResult::FAILED, state.step(), e.what());
    throw;
  }

  record_attention_probe(task, result);
  {
    model.eval();
    at::NoGradGuard no_grad;
    Task::Evaluation t;
    if (task.test(&t)) {
      result.set_test_loss(t.loss);
      if (task.reports_perplexity()) result.set_test_perplexity(std::exp(t.loss));
      if (t.word_perplexity >= 0) result.set_test_word_perplexity(t.word_perplexity);
    }
  }
  write_result(RunResult::COMPLETED, total, "");
  if (options.progress) {
    char buf[160];
    std::snprintf(buf, sizeof(buf), "COMPLETED %ld steps in %s | eval loss %.4f%s",
                  static_cast<long>(total), format_duration(result.wall_seconds()).c_str(),
                  result.eval_loss(),
                  result.has_eval_accuracy()
                      ? (" | eval accuracy " +
                         std::to_string(100 * result.eval_accuracy()).substr(0, 5) + "%")
                            .c_str()
                      : "");
    std::string line = buf;
    if (result.has_eval_word_perplexity()) {
      std::snprintf(buf, sizeof(buf),
                    " | validation perplexity %.2f per token, %.2f per word | test %.2f, %.2f",
                    result.eval_perplexity(), result.eval_word_perplexity(),
                    result.test_perplexity(), result.test_word_perplexity());
      line += buf;
    }
    progress.line(line);
  }
  return result;
}

}  // namespace experiments
