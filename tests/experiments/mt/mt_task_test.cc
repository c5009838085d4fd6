// The translation task (experiments/mt/mt_task.h) on a parallel-text fixture the test writes in
// the WMT format: the joint vocabulary round-trips, batches are padded and shifted right, a tiny
// model learns, the test split reports BLEU, chrF and the copy baseline, and --translate's path
// decodes new sentences.
#include "experiments/mt/mt_task.h"

#include <ATen/core/grad_mode.h>
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>

#include "experiments/engine/trainer.h"
#include "experiments/mt/mt_config.h"

namespace experiments {
namespace {

namespace fs = std::filesystem;

// A word-for-word "language" pair: English words and their German counterparts, sentences of
// 3..8 words drawn with a fixed seed.
void write_fixture(const std::string& dir, int train, int held_out) {
  const std::vector<std::pair<std::string, std::string>> words = {
      {"open", "öffnen"},     {"the", "die"},        {"file", "Datei"},      {"save", "speichern"},
      {"close", "schließen"}, {"window", "Fenster"}, {"new", "neue"},        {"folder", "Ordner"},
      {"delete", "löschen"},  {"copy", "kopieren"},  {"print", "drucken"},   {"page", "Seite"},
      {"cannot", "nicht"},    {"read", "lesen"},     {"write", "schreiben"}, {"error", "Fehler"}};
  std::mt19937 rng(7);
  fs::create_directories(dir);
  for (auto [name, n] :
       {std::pair<const char*, int>{"train", train}, {"valid", held_out}, {"test", held_out}}) {
    std::ofstream en(dir + "/" + name + ".en"), de(dir + "/" + name + ".de");
    for (int i = 0; i < n; ++i) {
      const int len = 3 + static_cast<int>(rng() % 6);
      for (int w = 0; w < len; ++w) {
        const auto& [e, g] = words[rng() % words.size()];
        en << (w ? " " : "") << e;
        de << (w ? " " : "") << g;
      }
      en << "\n";
      de << "\n";
    }
  }
}

sigma_reparam::ExperimentSpec fixture_spec(const std::string& dir) {
  sigma_reparam::ExperimentSpec spec;
  spec.set_name("mt_fixture");
  auto* mt = spec.mutable_mt();
  mt->mutable_transformer()->set_width(32);
  mt->mutable_transformer()->set_heads(4);
  mt->mutable_transformer()->set_norm(sigma_reparam::PRE_LN);
  mt->mutable_transformer()->set_qkv_layout(sigma_reparam::SEPARATE_QKV);
  mt->set_encoder_depth(2);
  mt->set_decoder_depth(2);
  mt->set_vocab_size(60);
  mt->set_max_length(24);
  mt->mutable_decoding()->set_beam_size(2);
  spec.mutable_data()->set_dataset(sigma_reparam::DataSpec::PARALLEL_TEXT);
  spec.mutable_data()->set_path(dir);
  spec.mutable_data()->set_batch_size(32);
  spec.mutable_optimizer()->set_lr(3e-3);
  spec.mutable_schedule()->set_kind(sigma_reparam::ScheduleSpec::CONSTANT);
  spec.mutable_run()->set_steps(400);
  spec.mutable_run()->set_log_interval(50);
  return spec;
}

class MtTaskTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::string(std::getenv("TEST_TMPDIR") ? std::getenv("TEST_TMPDIR") : "/tmp") +
           "/mt_task_test";
    setenv("SIGMA_DATA", (dir_ + "/data").c_str(), 1);  // the tokenizer cache
    write_fixture(dir_ + "/wmt", 600, 40);
  }
  std::string dir_;
};

TEST_F(MtTaskTest, VocabularyRoundTripsAndBatchesAreShifted) {
  at::manual_seed(0);
  MtTask task(fixture_spec(dir_ + "/wmt"));
  const auto& corpus = task.corpus();
  ASSERT_EQ(corpus.train.source.size(), 600u);
  const auto ids =
      encode_lines(task.tokenizer(), {corpus.valid.source[0], "", corpus.valid.target[0]});
  ASSERT_EQ(ids.size(), 3u);
  EXPECT_EQ(ids[1], std::vector<int64_t>{kMtEos}) << "a blank line is end-of-sentence alone";
  for (const auto& s : ids) {
    EXPECT_EQ(s.back(), kMtEos);
    for (size_t t = 0; t + 1 < s.size(); ++t) EXPECT_GE(s[t], kMtIdOffset);
  }
  EXPECT_EQ(decode_ids(task.tokenizer(), ids[0]), corpus.valid.source[0]);
  EXPECT_EQ(decode_ids(task.tokenizer(), ids[2]), corpus.valid.target[0]);
  EXPECT_EQ(decode_all(task.tokenizer(), ids),
            (std::vector<std::string>{corpus.valid.source[0], "", corpus.valid.target[0]}));
  // The training loss is label-smoothed cross-entropy over real target tokens.
  const Task::Output out = task.train_forward(1, nullptr);
  EXPECT_GT(out.loss.item<double>(), 1.0);
  EXPECT_TRUE(std::isfinite(out.loss.item<double>()));
}

TEST_F(MtTaskTest, TrainsAndReportsBleuChrfAndTheCopyBaseline) {
  at::manual_seed(0);
  sigma_reparam::ExperimentSpec spec = fixture_spec(dir_ + "/wmt");
  MtTask task(spec);
  RunOptions options;
  options.run_dir = dir_ + "/run";
  options.progress = false;
  fs::remove_all(options.run_dir);
  const sigma_reparam::RunResult result = train(spec, task, options);
  ASSERT_EQ(result.status(), sigma_reparam::RunResult::COMPLETED) << result.reason();
  const auto& m = result.metrics();
  ASSERT_TRUE(m.count("test_bleu") && m.count("test_chrf") && m.count("test_copy_bleu") &&
              m.count("eval_bleu"));
  EXPECT_EQ(result.headline().name(), "test_bleu");
  // Word-for-word translation of 16 words is learnt well past copying the source (which shares
  // no word with the reference) within 400 steps.
  EXPECT_LT(m.at("test_copy_bleu"), 5.0);
  ASSERT_TRUE(m.count("test_translated_bleu") && m.count("test_translated_copy_bleu") &&
              m.count("test_translated_pairs"));
  EXPECT_GT(m.at("test_translated_pairs"), 0);
  EXPECT_LE(m.at("test_translated_copy_bleu"), m.at("test_copy_bleu") + 1e-9)
      << "copying scores no better where the reference differs from the source";
  EXPECT_GT(m.at("test_bleu"), 20.0);
  EXPECT_GT(m.at("test_chrf"), 40.0);
  EXPECT_LT(result.final_loss(), 2.0);
  EXPECT_NE(task.test_summary().find("BLEU = "), std::string::npos);
  // Every stack and kind of attention is in the records.
  bool encoder_self = false, decoder_self = false, cross = false;
  for (const auto& e : result.lowest_entropy()) {
    encoder_self |= e.stack() == "encoder" && e.kind() == "self";
    decoder_self |= e.stack() == "decoder" && e.kind() == "self";
    cross |= e.stack() == "decoder" && e.kind() == "cross";
  }
  EXPECT_TRUE(encoder_self && decoder_self && cross);
  // New sentences translate with the trained model.
  task.model().eval();
  at::NoGradGuard no_grad;
  const auto out = task.translate_lines({"open the file", "", "print the new page"});
  ASSERT_EQ(out.size(), 3u);
  EXPECT_FALSE(out[0].empty());
}

TEST_F(MtTaskTest, BadSpecsAndDataAreNamed) {
  sigma_reparam::ExperimentSpec spec = fixture_spec(dir_ + "/missing");
  try {
    MtTask task(spec);
    FAIL() << "a missing folder should throw";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("missing/train.en"), std::string::npos) << e.what();
  }
  SpecChecker c;
  spec.mutable_mt()->set_encoder_depth(0);
  spec.mutable_mt()->mutable_decoding()->set_beam_size(0);
  spec.mutable_data()->set_dataset(sigma_reparam::DataSpec::SOTU);
  check_mt_spec(spec, c);
  const std::string errors(c.result().message());
  EXPECT_NE(errors.find("mt.encoder_depth"), std::string::npos) << errors;
  EXPECT_NE(errors.find("mt.decoding.beam_size"), std::string::npos) << errors;
  EXPECT_NE(errors.find("data.dataset"), std::string::npos) << errors;
}

}  // namespace
}  // namespace experiments
