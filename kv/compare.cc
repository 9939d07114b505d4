#include "kv/compare.h"

namespace etcfs::kv {

bool Satisfies(const Compare& cmp, const KeyValue& kv) {
  int c;
  if (cmp.target == Compare::Target::kValue) {
    c = kv.value.compare(cmp.value);
  } else {
    int64_t v = 0;
    switch (cmp.target) {
      case Compare::Target::kVersion: v = kv.version; break;
      case Compare::Target::kCreate: v = kv.create_revision; break;
      case Compare::Target::kMod: v = kv.mod_revision; break;
      case Compare::Target::kLease: v = kv.lease; break;
      case Compare::Target::kValue: break;
    }
    c = v < cmp.number ? -1 : (v > cmp.number ? 1 : 0);
  }
  switch (cmp.result) {
    case Compare::Result::kEqual: return c == 0;
    case Compare::Result::kNotEqual: return c != 0;
    case Compare::Result::kGreater: return c > 0;
    case Compare::Result::kLess: return c < 0;
  }
  return false;
}

bool HoldsWithoutKeys(const Compare& cmp) {
  return cmp.target != Compare::Target::kValue && Satisfies(cmp, KeyValue{});
}

}  // namespace etcfs::kv
