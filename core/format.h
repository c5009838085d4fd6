// Durations as people read them in progress lines and reports.
//
//   core::clock_time(75)      -> "1:15"       core::clock_time(3725) -> "1:02:05"
//   core::minutes_seconds(75) -> "1 min 15 s"
#pragma once

#include <string>

namespace core {

// "m:ss", or "h:mm:ss" from an hour on; negative durations show as 0.
std::string clock_time(double seconds);

// "m min ss s".
std::string minutes_seconds(double seconds);

}  // namespace core

namespace core {

// "1e-3", "2.5e-2", "0.1" -> "1e-1": the short form of a learning rate used in run names.
std::string format_lr(double lr);

}  // namespace core
