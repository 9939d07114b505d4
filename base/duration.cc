#include "base/duration.h"

#include <cctype>
#include <cmath>
#include <cstdlib>
#include <string>

namespace etcfs {

namespace {

// Milliseconds per unit, or 0 for an unknown unit.
double UnitMs(std::string_view unit) {
  if (unit == "ns") return 1e-6;
  if (unit == "us" || unit == "\xC2\xB5s") return 1e-3;  // "µs"
  if (unit == "ms") return 1;
  if (unit == "s") return 1e3;
  if (unit == "m") return 60e3;
  if (unit == "h") return 3600e3;
  return 0;
}

}  // namespace

Result<std::chrono::milliseconds> ParseDuration(std::string_view text) {
  auto bad = [&] {
    return Status::InvalidArgument("'" + std::string(text) +
                                   "' is not a duration; expected a number with a unit, like 500ms, 5s or 1h30m");
  };
  if (text.empty()) return bad();
  double total = 0;
  std::string_view rest = text;
  while (!rest.empty()) {
    size_t digits = 0;
    while (digits < rest.size() && (std::isdigit(static_cast<unsigned char>(rest[digits])) || rest[digits] == '.')) {
      ++digits;
    }
    if (digits == 0) return bad();
    const std::string number(rest.substr(0, digits));
    char* end = nullptr;
    const double value = std::strtod(number.c_str(), &end);
    if (end != number.c_str() + number.size()) return bad();
    rest.remove_prefix(digits);
    size_t letters = 0;
    while (letters < rest.size() && !std::isdigit(static_cast<unsigned char>(rest[letters])) && rest[letters] != '.') {
      ++letters;
    }
    const double unit = UnitMs(rest.substr(0, letters));
    if (unit == 0) return bad();
    rest.remove_prefix(letters);
    total += value * unit;
  }
  if (!std::isfinite(total) || total > 1e15) return bad();
  return std::chrono::milliseconds(static_cast<int64_t>(std::ceil(total)));
}

}  // namespace etcfs
