// Durations as etcd and Go spell them: a sequence of numbers with units,
// "300ms", "5s", "1.5s", "1h30m" (units ns, us, ms, s, m, h). The one parser
// for every flag and option that takes a duration.
#pragma once

#include <chrono>
#include <string_view>

#include "base/result.h"

namespace etcfs {

// The duration `text` spells, rounded up to whole milliseconds. Negative
// durations and numbers without a unit are refused; the error names the
// text and shows the grammar.
Result<std::chrono::milliseconds> ParseDuration(std::string_view text);

}  // namespace etcfs
