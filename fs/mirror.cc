#include "fs/mirror.h"

#include <utility>

#include "base/wall_clock.h"

namespace etcfs::fs {
namespace {

bool HasPrefix(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

// The first key after every key under `dir` + `component` + "/": '0' is the
// byte after '/'.
std::string PastSubtree(std::string_view dir, std::string_view component) {
  std::string k;
  k.reserve(dir.size() + component.size() + 1);
  k.append(dir).append(component).push_back('0');
  return k;
}

}  // namespace

void Mirror::Reset(std::vector<kv::KeyValue> kvs, int64_t revision) {
  {
    std::unique_lock lock(mu_);
    keys_.clear();
    for (auto& kv : kvs) {
      NoteEntryChanged(kv.key, kv.ctime_ns);  // times known from events stay unless newer
      std::string key = kv.key;
      keys_.emplace(std::move(key), std::move(kv));
    }
    std::erase_if(dir_changed_ns_, [&](const auto& d) { return d.first != root_ && !AnyUnder(d.first); });
  }
  std::lock_guard lock(rev_mu_);
  revision_ = revision;
  rev_cv_.notify_all();
}

void Mirror::Apply(const std::vector<kv::Event>& events, int64_t revision, const Observer& observer) {
  {
    std::unique_lock lock(mu_);
    for (const auto& e : events) {
      Change change;
      if (e.type == kv::Event::Type::kDelete) {
        auto it = keys_.find(e.kv.key);
        if (it == keys_.end()) continue;
        change.previous = std::move(it->second);
        keys_.erase(it);
        change.deleted = true;
        for (std::string_view dir : Ancestors(e.kv.key)) {
          if (AnyUnder(dir)) break;
          change.dirs_removed.emplace_back(dir);
        }
        const int64_t ns = e.kv.ctime_ns != 0 ? e.kv.ctime_ns : WallClockNs();
        if (e.kv.key.back() != '/') NoteEntryChanged(e.kv.key, ns);
        for (const std::string& dir : change.dirs_removed) {
          dir_changed_ns_.erase(dir);
          NoteEntryChanged(dir, ns);
        }
      } else {
        auto it = keys_.find(e.kv.key);
        if (it != keys_.end()) {
          change.value_changed = it->second.value != e.kv.value;
          change.attr_changed = !(it->second.attr == e.kv.attr);
          change.previous = std::exchange(it->second, e.kv);
        } else {
          change.created = true;
          for (std::string_view dir : Ancestors(e.kv.key)) {
            if (AnyUnder(dir)) break;
            change.dirs_created.emplace_back(dir);
          }
          keys_.emplace(e.kv.key, e.kv);
          const int64_t ns = e.kv.ctime_ns != 0 ? e.kv.ctime_ns : WallClockNs();
          if (e.kv.key.back() != '/') NoteEntryChanged(e.kv.key, ns);
          for (const std::string& dir : change.dirs_created) NoteEntryChanged(dir, ns);
        }
      }
      if (observer) observer(e, change);
    }
  }
  std::lock_guard lock(rev_mu_);
  revision_ = std::max(revision_, revision);
  rev_cv_.notify_all();
}

void Mirror::NoteEntryChanged(std::string_view entry, int64_t ns) {
  if (ns == 0 || entry.size() <= root_.size() || !HasPrefix(entry, root_)) return;
  const size_t slash = entry.size() < 2 ? std::string_view::npos : entry.rfind('/', entry.size() - 2);
  const std::string_view dir = slash == std::string_view::npos ? std::string_view() : entry.substr(0, slash + 1);
  if (dir.size() < root_.size()) return;
  auto it = dir_changed_ns_.find(dir);
  if (it == dir_changed_ns_.end()) {
    dir_changed_ns_.emplace(std::string(dir), ns);
  } else if (it->second < ns) {
    it->second = ns;
  }
}

int64_t Mirror::DirChangedNs(std::string_view dir) const {
  std::shared_lock lock(mu_);
  auto it = dir_changed_ns_.find(dir);
  return it == dir_changed_ns_.end() ? 0 : it->second;
}

bool Mirror::AnyUnder(std::string_view dir) const {
  auto it = keys_.lower_bound(dir);
  return it != keys_.end() && HasPrefix(it->first, dir);
}

std::vector<std::string_view> Mirror::Ancestors(std::string_view key) const {
  std::vector<std::string_view> out;
  if (!HasPrefix(key, root_)) return out;
  for (size_t slash = key.rfind('/'); slash != std::string_view::npos && slash + 1 > root_.size();
       slash = slash == 0 ? std::string_view::npos : key.rfind('/', slash - 1)) {
    out.push_back(key.substr(0, slash + 1));
  }
  return out;
}

std::optional<kv::KeyValue> Mirror::Get(std::string_view key) const {
  std::shared_lock lock(mu_);
  auto it = keys_.find(key);
  if (it == keys_.end()) return std::nullopt;
  return it->second;
}

bool Mirror::HasKeysUnder(std::string_view dir) const {
  std::shared_lock lock(mu_);
  return AnyUnder(dir);
}

size_t Mirror::CountKeysUnder(std::string_view dir, size_t at_most) const {
  std::shared_lock lock(mu_);
  size_t n = 0;
  for (auto it = keys_.lower_bound(dir); it != keys_.end() && n < at_most && HasPrefix(it->first, dir); ++it) ++n;
  return n;
}

std::vector<Mirror::Child> Mirror::List(std::string_view dir) const {
  std::vector<Child> out;
  std::shared_lock lock(mu_);
  auto it = keys_.lower_bound(dir);
  while (it != keys_.end() && HasPrefix(it->first, dir)) {
    std::string_view rest = std::string_view(it->first).substr(dir.size());
    const size_t slash = rest.find('/');
    if (slash == std::string_view::npos) {
      if (rest.empty()) {  // the directory's own marker
        ++it;
        continue;
      }
      Child c{std::string(rest), false, it->second};
      // Is "a" also a directory ("a/..." exists)? Keys starting with "a" are
      // contiguous and "a/..." comes before any "a" + c with c > '/', so the
      // next key answers unless it is like "a!" (c < '/'): then look.
      const std::string& key = it->first;
      auto next = std::next(it);
      if (next != keys_.end() && next->first.size() > key.size() && HasPrefix(next->first, key)) {
        const char c0 = next->first[key.size()];
        if (c0 == '/') {
          c.directory = true;
        } else if (c0 < '/') {
          auto under = keys_.lower_bound(key + "/");
          c.directory = under != keys_.end() && HasPrefix(under->first, key + "/");
        }
      }
      out.push_back(std::move(c));
      it = next;
      continue;
    }
    std::string component(rest.substr(0, slash));
    // Listed already when the key itself holds a value.
    if (keys_.find(std::string(dir) + component) == keys_.end()) {
      out.push_back(Child{component, true, std::nullopt});
    }
    it = keys_.lower_bound(PastSubtree(dir, component));
  }
  return out;
}

std::vector<kv::KeyValue> Mirror::KeysUnder(std::string_view dir) const {
  std::vector<kv::KeyValue> out;
  std::shared_lock lock(mu_);
  for (auto it = keys_.lower_bound(dir); it != keys_.end() && HasPrefix(it->first, dir); ++it) {
    out.push_back(it->second);
  }
  return out;
}

int64_t Mirror::revision() const {
  std::lock_guard lock(rev_mu_);
  return revision_;
}

size_t Mirror::size() const {
  std::shared_lock lock(mu_);
  return keys_.size();
}

bool Mirror::WaitFor(int64_t revision, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(rev_mu_);
  return rev_cv_.wait_for(lock, timeout, [&] { return revision_ >= revision; });
}

}  // namespace etcfs::fs
