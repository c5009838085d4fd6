// Durations and learning rates as progress lines, run names and reports show them (core/format.h).
#include "core/format.h"

#include <gtest/gtest.h>

namespace core {
namespace {

TEST(FormatTest, LearningRates) {
  EXPECT_EQ(format_lr(1e-3), "1e-3");
  EXPECT_EQ(format_lr(0.03), "3e-2");
  EXPECT_EQ(format_lr(2.5e-4), "2.5e-4");
  EXPECT_EQ(format_lr(0.1), "1e-1");
  EXPECT_EQ(format_lr(3), "3e0");
}

TEST(FormatTest, Durations) {
  EXPECT_EQ(clock_time(0), "0:00");
  EXPECT_EQ(clock_time(75.4), "1:15");
  EXPECT_EQ(clock_time(3725), "1:02:05");
  EXPECT_EQ(clock_time(-3), "0:00");
  EXPECT_EQ(minutes_seconds(75), "1 min 15 s");
  EXPECT_EQ(minutes_seconds(1117), "18 min 37 s");
}

}  // namespace
}  // namespace core
