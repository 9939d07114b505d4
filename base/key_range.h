// Key ranges as etcd spells them.
#pragma once

#include <string>
#include <string_view>

namespace etcfs {

// The smallest key greater than every key starting with `prefix`; "\0" (the
// range end meaning "to the last key") when there is none. etcd's GetPrefixRangeEnd.
std::string PrefixEnd(std::string_view prefix);

}  // namespace etcfs
