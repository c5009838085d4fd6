// Data-parallel training (experiments/engine/distributed.h) on loopback, with a tiny σReparam
// ViT on a slice of Fashion-MNIST ($SIGMA_DATA):
//  - two ranks (threads of this process, an in-memory store) with 64 examples each end with the
//    parameters of one rank with the whole batch of 128, and with bit-identical parameters and
//    σReparam buffers (u, sigma) on both ranks;
//  - a run started on two ranks resumes on one;
//  - through //experiments:train --nproc_per_node=2 (processes, TCPStore): a killed rank and a
//    hung rank each end the run as FAILED naming the rank, and --resume completes it.
#include "experiments/engine/distributed.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "experiments/engine/checkpoint.h"
#include "experiments/engine/run_dir.h"
#include "experiments/engine/spec_io.h"
#include "experiments/engine/trainer.h"
#include "experiments/vit/vit_task.h"
#include "tests/experiments/engine/train_binary.h"

namespace experiments {
namespace {

using sigma_reparam::RunResult;

// Gradients are averaged in a different order from one rank's sum over 128 examples, so the
// replicas drift from the single run by float rounding only.
constexpr double kTolerance = 2e-5;

constexpr const char* kSpec = R"(
name: "dp"
description: "data-parallel test"
vit { transformer { depth: 2 width: 32 heads: 2 reparam: SIGMA_REPARAM } }
data { batch_size: 128 train_subset: 1024 eval_subset: 200 }
optimizer { kind: ADAMW lr: 2e-3 weight_decay: 0.05 clip_grad_norm: 1.0 }
schedule { kind: COSINE warmup_steps: 2 }
run { steps: 8 log_interval: 2 eval_interval: 8 checkpoint_interval: 3 threads: 1 }
)";

// Written and parsed once: ranks on threads read it concurrently.
const std::string& spec_file() {
  static const std::string path = [] {
    const std::string p = tmp_path("dp.textproto");
    std::ofstream(p) << kSpec;
    return p;
  }();
  return path;
}

ExperimentSpec spec() {
  static const ExperimentSpec parsed = [] {
    auto s = load_spec(spec_file());
    EXPECT_TRUE(s.ok()) << s.status();
    return s.ok() ? *s : ExperimentSpec();
  }();
  return parsed;
}

struct Trained {
  std::vector<at::Tensor> parameters, buffers;
  RunResult result;
};

Trained snapshot(VitTask& task, const RunResult& result) {
  Trained t;
  for (const auto& p : task.model().parameters()) t.parameters.push_back(p.detach().clone());
  for (const auto& b : task.model().buffers()) t.buffers.push_back(b.detach().clone());
  t.result = result;
  return t;
}

Trained train_alone(const std::string& dir) {
  at::set_num_threads(1);
  VitTask task(spec());
  RunOptions options;
  options.run_dir = dir;
  options.progress = false;
  return snapshot(task, train(spec(), task, options));
}

// `ranks` in-process ranks (one thread each) training the spec into `dir`.
std::vector<Trained> train_parallel(int ranks, const std::string& dir, const std::string& key,
                                    bool resume = false, int64_t interrupt = 0) {
  at::set_num_threads(1);
  std::vector<std::unique_ptr<VitTask>> tasks;
  for (int r = 0; r < ranks; ++r) tasks.push_back(std::make_unique<VitTask>(spec()));
  std::vector<Trained> out(ranks);
  std::vector<std::string> errors(ranks);
  std::vector<std::thread> threads;
  for (int r = 0; r < ranks; ++r) {
    threads.emplace_back([&, r] {
      try {
        DataParallel parallel(r, ranks, key, std::chrono::seconds(60));
        RunOptions options;
        options.run_dir = dir;
        options.progress = false;
        options.resume = resume;
        options.interrupt_after_step = interrupt;
        options.parallel = &parallel;
        out[r] = snapshot(*tasks[r], train(spec(), *tasks[r], options));
      } catch (const std::exception& e) {
        errors[r] = e.what();
      }
    });
  }
  for (auto& t : threads) t.join();
  for (int r = 0; r < ranks; ++r) EXPECT_EQ(errors[r], "") << "rank " << r;
  return out;
}

double max_difference(const std::vector<at::Tensor>& a, const std::vector<at::Tensor>& b) {
  EXPECT_EQ(a.size(), b.size());
  double worst = 0;
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) {
    worst = std::max(worst, (a[i] - b[i]).abs().max().item<double>());
  }
  return worst;
}

TEST(DistributedTest, TwoRanksOfHalfTheBatchMatchOneRankAndAgreeExactly) {
  const Trained alone = train_alone(tmp_path("alone"));
  const std::vector<Trained> ranks = train_parallel(2, tmp_path("two"), "two");
  ASSERT_EQ(ranks[0].result.status(), RunResult::COMPLETED);
  ASSERT_EQ(ranks[1].result.status(), RunResult::COMPLETED);

  // Replicas: bit-identical parameters and buffers (σReparam's u and sigma included).
  ASSERT_EQ(ranks[0].buffers.size(), ranks[1].buffers.size());
  ASSERT_GE(ranks[0].buffers.size(), 4u);
  for (size_t i = 0; i < ranks[0].parameters.size(); ++i) {
    EXPECT_TRUE(ranks[0].parameters[i].equal(ranks[1].parameters[i])) << "parameter " << i;
  }
  for (size_t i = 0; i < ranks[0].buffers.size(); ++i) {
    EXPECT_TRUE(ranks[0].buffers[i].equal(ranks[1].buffers[i])) << "buffer " << i;
  }
  // Against one rank with the whole batch, after 8 AdamW steps.
  const double parameter_gap = max_difference(alone.parameters, ranks[0].parameters);
  std::printf("largest parameter gap to one rank: %.3g\n", parameter_gap);
  EXPECT_LT(parameter_gap, kTolerance);
  EXPECT_LT(max_difference(alone.buffers, ranks[0].buffers), kTolerance);
  // The run moved: the gap is small against the distance travelled.
  VitTask fresh(spec());
  std::vector<at::Tensor> initial;
  for (const auto& p : fresh.model().parameters()) initial.push_back(p.detach());
  EXPECT_GT(max_difference(initial, alone.parameters), 1000 * parameter_gap);
  EXPECT_NEAR(alone.result.final_loss(), ranks[0].result.final_loss(), 1e-5);
  EXPECT_NEAR(alone.result.metrics().at("eval_accuracy"),
              ranks[0].result.metrics().at("eval_accuracy"), 0.011);  // 200 images
  EXPECT_EQ(read_result(tmp_path("two")).environment().ranks(), 2);
}

TEST(DistributedTest, ARunStartedOnTwoRanksResumesOnOne) {
  const Trained alone = train_alone(tmp_path("alone2"));
  const std::string dir = tmp_path("two_then_one");
  // Interrupted after step 5: the checkpoint of step 3 is where it resumes.
  train_parallel(2, dir, "interrupted", /*resume=*/false, /*interrupt=*/5);
  EXPECT_EQ(read_result(dir).status(), RunResult::RUNNING);
  VitTask task(spec());
  RunOptions options;
  options.run_dir = dir;
  options.progress = false;
  options.resume = true;
  const Trained resumed = snapshot(task, train(spec(), task, options));
  EXPECT_EQ(resumed.result.status(), RunResult::COMPLETED);
  EXPECT_LT(max_difference(alone.parameters, resumed.parameters), kTolerance);
}

// Runs the binary with `flags`; returns its exit code and the seconds it took.
int run_train(const std::string& flags, const std::string& log, double* seconds) {
  const auto start = std::chrono::steady_clock::now();
  const std::string command = train_binary() + " --spec=" + spec_file() +
                              " --threads=1 --quiet " + flags + " > " + log + " 2>&1";
  const int status = std::system(command.c_str());
  *seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(DistributedTest, AKilledRankFailsTheRunWhichResumes) {
  const std::string dir = tmp_path("killed"), log = tmp_path("killed.log");
  double seconds = 0;
  EXPECT_EQ(run_train("--nproc_per_node=2 --output_dir=" + dir + " --fault=1:5:kill", log,
                      &seconds),
            1)
      << read_file(log);
  const RunResult failed = read_result(dir);
  EXPECT_EQ(failed.status(), RunResult::FAILED) << read_file(log);
  EXPECT_EQ(failed.step(), 3);  // its last checkpoint
  EXPECT_NE(failed.reason().find("rank 1"), std::string::npos) << failed.reason();
  EXPECT_NE(failed.reason().find("killed by signal 9"), std::string::npos) << failed.reason();
  EXPECT_NE(read_file(log).find("data-parallel run FAILED"), std::string::npos);

  EXPECT_EQ(run_train("--nproc_per_node=2 --output_dir=" + dir + " --resume", log, &seconds), 0)
      << read_file(log);
  EXPECT_EQ(read_result(dir).status(), RunResult::COMPLETED);
  EXPECT_EQ(read_result(dir).step(), 8);
}

TEST(DistributedTest, AHungRankFailsTheRunWithinTheTimeout) {
  const std::string dir = tmp_path("hung"), log = tmp_path("hung.log");
  double seconds = 0;
  EXPECT_EQ(run_train("--nproc_per_node=2 --output_dir=" + dir +
                          " --fault=1:5:hang --dist_timeout_s=3",
                      log, &seconds),
            1)
      << read_file(log);
  // Rank 0 gives up after 3 s, the hung rank is killed 3 + 5 s after that; the rest is start-up
  // and 5 steps.
  EXPECT_LT(seconds, 40);
  const RunResult failed = read_result(dir);
  EXPECT_EQ(failed.status(), RunResult::FAILED);
  EXPECT_NE(failed.reason().find("rank 1"), std::string::npos) << failed.reason();
  EXPECT_NE(failed.reason().find("Timed out"), std::string::npos) << failed.reason();
}

TEST(DistributedTest, ABatchThatDoesNotSplitIsRefusedBeforeTraining) {
  const std::string dir = tmp_path("uneven"), log = tmp_path("uneven.log");
  double seconds = 0;
  EXPECT_EQ(run_train("--nproc_per_node=3 --output_dir=" + dir, log, &seconds), 2);
  EXPECT_NE(read_file(log).find("data.batch_size 128 is not divisible by 3"), std::string::npos)
      << read_file(log);
  EXPECT_EQ(read_result(dir).status(), RunResult::STATUS_UNSPECIFIED);
}

TEST(DistributedTest, RankEnvironmentIsCheckedByName) {
  setenv("WORLD_SIZE", "2", 1);
  setenv("RANK", "2", 1);
  absl::StatusOr<RankInfo> bad = rank_from_environment();
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("RANK=\"2\""), std::string::npos) << bad.status();
  setenv("RANK", "1", 1);
  unsetenv("MASTER_ADDR");
  bad = rank_from_environment();
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("MASTER_ADDR"), std::string::npos) << bad.status();
  setenv("MASTER_ADDR", "10.0.0.1", 1);
  setenv("MASTER_PORT", "29511", 1);
  absl::StatusOr<RankInfo> good = rank_from_environment();
  ASSERT_TRUE(good.ok()) << good.status();
  EXPECT_EQ(good->rank, 1);
  EXPECT_EQ(good->world_size, 2);
  EXPECT_EQ(good->local_rank, 1);
  EXPECT_EQ(good->master_addr, "10.0.0.1");
  EXPECT_EQ(good->master_port, 29511);
  for (const char* v : {"WORLD_SIZE", "RANK", "MASTER_ADDR", "MASTER_PORT"}) unsetenv(v);
}

}  // namespace
}  // namespace experiments
