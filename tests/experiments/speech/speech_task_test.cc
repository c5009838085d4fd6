// The speech task on a small corpus the test synthesises (espeak-ng and flite), and on a
// LibriSpeech-layout copy of it in FLAC: batches are deterministic, the CTC loss falls when a
// batch is fitted, evaluation and test report WER and CER with decoded samples, a missing corpus
// names the command that writes it.
#include "experiments/speech/speech_task.h"

#include <ATen/core/grad_mode.h>
#include <ATen/ATen.h>
#include <gtest/gtest.h>
#include <google/protobuf/text_format.h>
#include <torch/optim/adam.h>

#include <filesystem>
#include <string>

#include "datasets/audio.h"
#include "datasets/speech_synth.h"

namespace experiments {
namespace {

namespace fs = std::filesystem;

const fs::path& corpus() {
  static const fs::path root = [] {
    const fs::path r = fs::path(::testing::TempDir()) / "speech_task";
    fs::create_directories(r / "text");
    FILE* f = fopen((r / "text" / "a.txt").c_str(), "w");
    fputs(
        "The people of this land have spoken. We shall meet the needs of our farmers. "
        "Our schools must serve every child. The world is watching what we do here. "
        "Peace is the work of many hands. Let us keep faith with those who came before. "
        "Trade between nations has grown again. The army and the navy stand ready. "
        "We must build new roads and bridges. Our cities need clean water and air. "
        "The budget will be balanced this year. Every worker deserves a fair wage. "
        "Let us open the doors of opportunity. The farmers have had a good harvest. "
        "We will defend the rights of every citizen. Our children will inherit this land.",
        f);
    fclose(f);
    datasets::SpeechSynthOptions o;
    o.text_dir = (r / "text").string();
    o.use_brown = false;
    o.out = (r / "synth").string();
    o.train = 8;
    o.valid = 3;
    o.test = 3;
    o.test_flite = 2;
    datasets::synthesize_speech_corpus(o);
    return r;
  }();
  return root;
}

sigma_reparam::ExperimentSpec tiny_spec(const std::string& extra) {
  sigma_reparam::ExperimentSpec spec, more;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(
      "name: 'speech_tiny' speech { transformer { depth: 2 width: 32 heads: 2 norm: POST_LN "
      "reparam: SIGMA_REPARAM qkv_layout: QK_AND_V } beam_size: 4 } "
      "data { dataset: SPEECH_SYNTH batch_size: 4 } run { seed: 3 }",
      &spec));
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(extra, &more));
  spec.MergeFrom(more);
  return spec;
}

TEST(SpeechTaskTest, TrainsEvaluatesAndTests) {
  auto spec = tiny_spec("data { path: '" + (corpus() / "synth").string() + "' }");
  SpeechTask task(spec);
  EXPECT_EQ(task.examples_per_epoch(), 8);
  EXPECT_NE(task.data_summary().find("train 8 utterances"), std::string::npos)
      << task.data_summary();
  EXPECT_NE(task.data_summary().find("test-flite 2 utterances"), std::string::npos);
  // The batch (and CAPE's shifts) of a step depend on (seed, step) alone; only σReparam's power
  // iteration moves u between the two training-mode calls.
  const double a = task.train_forward(5, nullptr).loss.item<double>();
  const double b = task.train_forward(5, nullptr).loss.item<double>();
  EXPECT_NEAR(a, b, 1e-4 * a);
  EXPECT_GT(std::fabs(a - task.train_forward(6, nullptr).loss.item<double>()), 1e-3);
  EXPECT_TRUE(std::isfinite(a) && a > 0);
  // Fitting one batch lowers its CTC loss.
  torch::optim::Adam adam(task.model().parameters(), torch::optim::AdamOptions(3e-3));
  task.model().train();
  double first = 0, last = 0;
  for (int i = 0; i < 25; ++i) {
    adam.zero_grad();
    at::Tensor loss = task.train_forward(1, nullptr).loss;
    loss.backward();
    adam.step();
    if (i == 0) first = loss.item<double>();
    last = loss.item<double>();
  }
  EXPECT_LT(last, 0.8 * first) << first << " -> " << last;
  task.model().eval();
  at::NoGradGuard no_grad;
  const Task::Evaluation e = task.evaluate();
  EXPECT_TRUE(std::isfinite(e.loss));
  EXPECT_GE(e.metrics.at("wer"), 0.0);
  EXPECT_GE(e.metrics.at("cer"), 0.0);
  Task::Evaluation t;
  ASSERT_TRUE(task.test(&t));
  for (const char* m : {"wer", "cer", "second_wer", "second_cer"})
    EXPECT_EQ(t.metrics.count(m), 1u) << m;
  EXPECT_NE(task.test_summary().find("test-flite (unseen synthesiser), 2 utterances, beam 4"),
            std::string::npos)
      << task.test_summary();
  EXPECT_NE(task.test_summary().find("REF  "), std::string::npos);
  models::AttentionObservation obs;
  ASSERT_TRUE(task.probe(&obs));
  EXPECT_EQ(obs.records.size(), 2u);
  EXPECT_EQ(task.metrics().front().name(), "test_wer");
}

TEST(SpeechTaskTest, HeadlineCanBeCer) {
  auto spec = tiny_spec("data { path: '" + (corpus() / "synth").string() +
                        "' train_subset: 4 } speech { headline: CER }");
  SpeechTask task(spec);
  EXPECT_EQ(task.examples_per_epoch(), 4);
  EXPECT_EQ(task.metrics()[0].name(), "test_cer");
  EXPECT_EQ(task.metrics()[1].name(), "test_wer");
}

TEST(SpeechTaskTest, ReadsLibriSpeechFlacLayout) {
  // The synthetic corpus copied as FLAC under LibriSpeech's split names.
  const fs::path libri = corpus() / "LibriSpeech";
  fs::remove_all(libri);
  for (const auto& [from, to] :
       std::vector<std::pair<std::string, std::string>>{{"train", "train-clean-100"},
                                                        {"valid", "dev-clean"},
                                                        {"test", "test-clean"},
                                                        {"test-flite", "test-other"}}) {
    for (const auto& e : fs::recursive_directory_iterator(corpus() / "synth" / from)) {
      const fs::path rel = fs::relative(e.path(), corpus() / "synth" / from);
      const fs::path out = libri / to / rel;
      if (e.is_directory()) {
        fs::create_directories(out);
      } else if (e.path().extension() == ".wav") {
        datasets::write_audio(fs::path(out).replace_extension(".flac").string(),
                              datasets::read_audio(e.path().string()),
                              datasets::AudioFormat::kFlac16);
      } else {
        fs::copy_file(e.path(), out);
      }
    }
  }
  auto spec = tiny_spec("data { dataset: LIBRISPEECH path: '" + libri.string() + "' }");
  SpeechTask task(spec);
  EXPECT_NE(task.data_summary().find("train-clean-100 8 utterances"), std::string::npos)
      << task.data_summary();
  EXPECT_NE(task.data_summary().find("test-other 2 utterances"), std::string::npos);
  EXPECT_EQ(task.metrics()[2].label(), "test WER (test-other)");
  EXPECT_TRUE(std::isfinite(task.train_forward(1, nullptr).loss.item<double>()));
}

TEST(SpeechTaskTest, MissingCorpusNamesTheSetupCommand) {
  auto spec = tiny_spec("data { path: '/nonexistent/speech' }");
  try {
    SpeechTask task(spec);
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("tools/setup.sh"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("/nonexistent/speech/train"), std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace experiments
