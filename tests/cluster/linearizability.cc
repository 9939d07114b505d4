#include "tests/cluster/linearizability.h"

#include <algorithm>
#include <functional>
#include <map>
#include <unordered_set>

namespace etcfs::testing {
namespace {

using State = std::optional<std::string>;  // the key's value; nullopt: absent

// The sequential store: whether `op` answers as it did from `state`, and the
// state after it.
bool Step(const KvOp& op, const State& state, State* next) {
  *next = state;
  switch (op.kind) {
    case KvOp::Kind::kGet:
      return op.got == state;
    case KvOp::Kind::kPut:
      *next = op.value;
      return true;
    case KvOp::Kind::kDelete:
      *next = std::nullopt;
      return !op.known() || op.succeeded == state.has_value();
    case KvOp::Kind::kCas: {
      const bool matches = state == op.expect;
      if (matches && (op.succeeded || !op.known())) *next = op.value;
      // Unknown outcome: taking effect when it can; "never" is linearizing it last.
      return !op.known() || op.succeeded == matches;
    }
  }
  return false;
}

// The history of one key as the doubly linked list of call and return
// entries, in time order, that the search lifts operations out of.
struct Entry {
  int op;
  bool call;
  int64_t time;
  Entry* match = nullptr;  // a call's return
  Entry* prev = nullptr;
  Entry* next = nullptr;
};

struct CacheKey {
  std::vector<uint64_t> linearized;
  State state;
  bool operator==(const CacheKey&) const = default;
};
struct CacheHash {
  size_t operator()(const CacheKey& k) const {
    size_t h = std::hash<bool>()(k.state.has_value());
    if (k.state) h ^= std::hash<std::string>()(*k.state) * 31;
    for (uint64_t w : k.linearized) h = h * 1000003 ^ std::hash<uint64_t>()(w);
    return h;
  }
};

void Lift(Entry* e) {
  e->prev->next = e->next;
  if (e->next) e->next->prev = e->prev;
  Entry* r = e->match;
  r->prev->next = r->next;
  if (r->next) r->next->prev = r->prev;
}

void Unlift(Entry* e) {
  Entry* r = e->match;
  r->prev->next = r;
  if (r->next) r->next->prev = r;
  e->prev->next = e;
  if (e->next) e->next->prev = e;
}

// Whether the key's operations have a linearization; `best_prefix` gets the
// most operations the search managed to order (for the explanation).
enum class Verdict { kLinearizable, kViolation, kGaveUp };

// A value no read returns and no compare-and-swap expects: such values are
// indistinguishable, so they are all this one (fewer distinct states).
const std::string kUnobserved("\0unobserved", 11);

// The key's operations with unobserved values folded into kUnobserved, and
// for each operation of unknown outcome its class: unknown operations of one
// class do the same to the store and are never required to take effect, so
// at any point of the search trying one of them stands for all (symmetry).
std::vector<KvOp> Canonical(const std::vector<const KvOp*>& ops, std::vector<std::string>* classes) {
  std::unordered_set<std::string> observed;
  for (const KvOp* op : ops) {
    if (op->kind == KvOp::Kind::kGet && op->got) observed.insert(*op->got);
    if (op->kind == KvOp::Kind::kCas && op->expect) observed.insert(*op->expect);
  }
  std::vector<KvOp> out;
  for (const KvOp* op : ops) {
    KvOp c = *op;
    if ((c.kind == KvOp::Kind::kPut || c.kind == KvOp::Kind::kCas) && !observed.count(c.value)) c.value = kUnobserved;
    std::string cls;
    if (!c.known()) {
      cls = std::to_string(static_cast<int>(c.kind)) + "\n" + c.value + "\n" + (c.expect ? "=" + *c.expect : "absent");
    }
    classes->push_back(std::move(cls));
    out.push_back(std::move(c));
  }
  return out;
}

Verdict CheckKey(const std::vector<const KvOp*>& original, size_t budget, size_t* best_prefix) {
  std::vector<std::string> classes;  // "" for operations whose outcome is known
  const std::vector<KvOp> canonical = Canonical(original, &classes);
  std::vector<const KvOp*> ops;
  for (const auto& op : canonical) ops.push_back(&op);
  std::vector<Entry> entries;
  entries.reserve(ops.size() * 2);
  for (size_t i = 0; i < ops.size(); ++i) {
    entries.push_back({static_cast<int>(i), true, ops[i]->call_ns});
    entries.push_back({static_cast<int>(i), false, ops[i]->return_ns});
  }
  // Time order; at equal times calls first: operations that touch are concurrent.
  std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    if (a.time != b.time) return a.time < b.time;
    return a.call && !b.call;
  });
  std::vector<Entry*> call_of(ops.size());
  for (auto& e : entries) {
    if (e.call) call_of[e.op] = &e;
  }
  for (auto& e : entries) {
    if (!e.call) call_of[e.op]->match = &e;
  }
  Entry head{-1, false, 0};
  Entry* prev = &head;
  for (auto& e : entries) {
    prev->next = &e;
    e.prev = prev;
    prev = &e;
  }

  std::vector<uint64_t> linearized((ops.size() + 63) / 64, 0);
  std::unordered_set<CacheKey, CacheHash> cache;
  std::vector<std::pair<Entry*, State>> stack;
  State state;  // absent before the history
  Entry* entry = head.next;
  *best_prefix = 0;
  // The classes of unknown operations already tried at this point of the search.
  std::unordered_set<std::string> tried;
  while (head.next != nullptr) {
    if (entry->call) {
      const std::string& cls = classes[static_cast<size_t>(entry->op)];
      if (!cls.empty() && !tried.insert(cls).second) {
        entry = entry->next;  // one of its kind was tried here already
        continue;
      }
      State next;
      if (Step(*ops[entry->op], state, &next)) {
        linearized[entry->op / 64] |= uint64_t{1} << (entry->op % 64);
        if (cache.size() >= budget) return Verdict::kGaveUp;
        if (cache.insert(CacheKey{linearized, next}).second) {
          stack.emplace_back(entry, state);
          state = std::move(next);
          Lift(entry);
          *best_prefix = std::max(*best_prefix, stack.size());
          entry = head.next;
          tried.clear();
          continue;
        }
        linearized[entry->op / 64] &= ~(uint64_t{1} << (entry->op % 64));
      }
      entry = entry->next;
    } else {
      // An operation that completed here is not linearized yet: undo the last choice.
      if (stack.empty()) return Verdict::kViolation;
      auto [e, s] = std::move(stack.back());
      stack.pop_back();
      state = std::move(s);
      linearized[e->op / 64] &= ~(uint64_t{1} << (e->op % 64));
      Unlift(e);
      // Back at the point where `e` was chosen: what came before it, and
      // `e` itself, were tried there.
      tried.clear();
      for (Entry* t = head.next; t != e->next; t = t->next) {
        if (t->call && !classes[static_cast<size_t>(t->op)].empty()) tried.insert(classes[static_cast<size_t>(t->op)]);
      }
      entry = e->next;
    }
  }
  return Verdict::kLinearizable;
}

}  // namespace

std::string KvOp::Describe() const {
  auto quote = [](const std::optional<std::string>& v) { return v ? "\"" + *v + "\"" : std::string("absent"); };
  std::string s = "client " + std::to_string(client) + " [" + std::to_string(call_ns) + ", " +
                  (known() ? std::to_string(return_ns) : std::string("?")) + "] ";
  switch (kind) {
    case Kind::kGet: s += "get " + key + " -> " + quote(got); break;
    case Kind::kPut: s += "put " + key + " = \"" + value + "\"" + (known() ? "" : " (outcome unknown)"); break;
    case Kind::kDelete:
      s += "delete " + key + (known() ? (succeeded ? " -> deleted" : " -> none") : " (outcome unknown)");
      break;
    case Kind::kCas:
      s += "cas " + key + " if " + quote(expect) + " then \"" + value + "\"" +
           (known() ? (succeeded ? " -> succeeded" : " -> failed") : " (outcome unknown)");
      break;
  }
  return s;
}

LinearizabilityResult CheckLinearizable(const std::vector<KvOp>& history, size_t state_budget) {
  std::map<std::string, std::vector<const KvOp*>> per_key;
  for (const auto& op : history) {
    if (op.kind == KvOp::Kind::kGet && !op.known()) continue;  // says nothing
    per_key[op.key].push_back(&op);
  }
  LinearizabilityResult r;
  r.keys = per_key.size();
  for (const auto& [key, ops] : per_key) r.ops += ops.size();
  for (const auto& [key, ops] : per_key) {
    size_t prefix = 0;
    const Verdict v = CheckKey(ops, state_budget, &prefix);
    if (v == Verdict::kLinearizable) continue;
    if (v == Verdict::kGaveUp) {
      r.inconclusive = true;
      ++r.inconclusive_keys;
      r.ops -= ops.size();
      r.key = key;
      r.explanation = "the " + std::to_string(ops.size()) + " operations on " + key + " took more than " +
                      std::to_string(state_budget) + " search states; check shorter histories (more keys, shorter runs)";
      continue;
    }
    r.ok = false;
    r.key = key;
    std::vector<const KvOp*> sorted = ops;
    std::sort(sorted.begin(), sorted.end(), [](const KvOp* a, const KvOp* b) { return a->call_ns < b->call_ns; });
    r.explanation = "no order of the " + std::to_string(ops.size()) + " operations on " + key +
                    " answers as they did (at most " + std::to_string(prefix) +
                    " could be ordered); the operations around there, by invocation:\n";
    // The search got stuck near the prefix it managed to order.
    const size_t from = prefix > 20 ? prefix - 20 : 0, to = std::min(sorted.size(), prefix + 20);
    for (size_t i = from; i < to; ++i) r.explanation += "  " + sorted[i]->Describe() + "\n";
    return r;
  }
  return r;
}

}  // namespace etcfs::testing
