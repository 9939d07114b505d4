// A linearizability checker for histories of a key-value store, in the style
// of Wing & Gong with Lowe's memoization (as Porcupine does it): a history is
// linearizable if each operation can be given one instant between its
// invocation and its completion at which it takes effect, in an order that a
// sequential store would answer the same way. Operations on different keys
// are independent, so each key's history is checked on its own (P-
// compositionality), which keeps the search small.
//
// An operation whose outcome the client did not learn (a timeout, a dropped
// connection) has no completion: it may take effect at any instant after its
// invocation, or never. A read without an answer says nothing and is left out.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace etcfs::testing {

struct KvOp {
  enum class Kind { kGet, kPut, kDelete, kCas };
  Kind kind = Kind::kGet;
  int client = 0;
  std::string key;
  int64_t call_ns = 0;
  int64_t return_ns = 0;  // kUnknown when the outcome was not learned
  // kPut: the value written. kCas: the value written when `expect` matches.
  std::string value;
  // kCas: the value compared with; nullopt compares with "absent".
  std::optional<std::string> expect;
  // The answer (when known). kGet: the value read, nullopt for absent.
  // kCas: whether it succeeded. kDelete: whether a key was deleted.
  std::optional<std::string> got;
  bool succeeded = false;
  bool not_sent = false;  // failed before reaching any server: not part of the history
  std::string error;      // what the server or the channel said, when the call failed

  static constexpr int64_t kUnknown = INT64_MAX;
  bool known() const { return return_ns != kUnknown; }
  std::string Describe() const;
};

struct LinearizabilityResult {
  bool ok = true;
  // Keys whose search gave up (a history too tangled to settle within the
  // state budget): neither proven nor refuted, and not counted in `ops`.
  bool inconclusive = false;
  size_t inconclusive_keys = 0;
  size_t keys = 0;
  size_t ops = 0;  // operations checked (reads without an answer left out)
  // When not ok: the key whose history has no linearization, and that history.
  std::string key;
  std::string explanation;
};

// `state_budget`: the most search states remembered for one key (memory
// grows with it and with the key's operation count).
LinearizabilityResult CheckLinearizable(const std::vector<KvOp>& history, size_t state_budget = 500'000);

}  // namespace etcfs::testing
