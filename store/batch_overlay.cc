#include "store/batch_overlay.h"

#include <algorithm>
#include <vector>

namespace etcfs::store {
namespace {

std::string_view ToView(const rocksdb::Slice& s) { return std::string_view(s.data(), s.size()); }

// Merges a sorted snapshot of overlay entries with a database iterator.
class MergedIterator final : public rocksdb::Iterator {
 public:
  using Entry = std::pair<std::string_view, const std::optional<std::string>*>;

  MergedIterator(std::vector<Entry> entries, rocksdb::Iterator* base)
      : entries_(std::move(entries)), base_(base) {}

  bool Valid() const override { return valid_; }
  void SeekToFirst() override {
    base_->SeekToFirst();
    pos_ = 0;
    Settle();
  }
  void Seek(const rocksdb::Slice& target) override {
    base_->Seek(target);
    std::string_view t = ToView(target);
    pos_ = std::lower_bound(entries_.begin(), entries_.end(), t,
                            [](const Entry& e, std::string_view k) { return e.first < k; }) -
           entries_.begin();
    Settle();
  }
  void Next() override {
    if (from_overlay_) {
      // The base may hold the same key; it is shadowed.
      if (base_->Valid() && ToView(base_->key()) == entries_[pos_].first) base_->Next();
      ++pos_;
    } else {
      base_->Next();
    }
    Settle();
  }
  void SeekToLast() override { Unsupported(); }
  void SeekForPrev(const rocksdb::Slice&) override { Unsupported(); }
  void Prev() override { Unsupported(); }
  rocksdb::Slice key() const override {
    return from_overlay_ ? rocksdb::Slice(entries_[pos_].first.data(), entries_[pos_].first.size())
                         : base_->key();
  }
  rocksdb::Slice value() const override {
    return from_overlay_ ? rocksdb::Slice(**entries_[pos_].second) : base_->value();
  }
  rocksdb::Status status() const override { return status_.ok() ? base_->status() : status_; }

 private:
  void Unsupported() {
    valid_ = false;
    status_ = rocksdb::Status::NotSupported("batch overlay iterators go forward only");
  }

  // Positions on the smaller of the two cursors, skipping deleted keys.
  void Settle() {
    for (;;) {
      const bool have_base = base_->Valid();
      const bool have_overlay = pos_ < entries_.size();
      if (!have_base && !have_overlay) {
        valid_ = false;
        return;
      }
      if (have_overlay && (!have_base || entries_[pos_].first <= ToView(base_->key()))) {
        if (entries_[pos_].second->has_value()) {
          from_overlay_ = true;
          valid_ = true;
          return;
        }
        // Deleted in the batch: skip it, and the base's copy of it.
        if (have_base && ToView(base_->key()) == entries_[pos_].first) base_->Next();
        ++pos_;
        continue;
      }
      from_overlay_ = false;
      valid_ = true;
      return;
    }
  }

  std::vector<Entry> entries_;
  std::unique_ptr<rocksdb::Iterator> base_;
  size_t pos_ = 0;
  bool from_overlay_ = false;
  bool valid_ = false;
  rocksdb::Status status_;
};

}  // namespace

BatchOverlay::Map& BatchOverlay::Family(uint32_t cf) { return families_[cf]; }

const BatchOverlay::Map* BatchOverlay::FamilyIfAny(uint32_t cf) const {
  auto it = families_.find(cf);
  return it == families_.end() ? nullptr : &it->second;
}

const std::optional<std::string>* BatchOverlay::Find(uint32_t cf, std::string_view key) const {
  const Map* m = FamilyIfAny(cf);
  if (m == nullptr) return nullptr;
  auto it = m->find(key);
  return it == m->end() ? nullptr : &it->second;
}

void BatchOverlay::Put(uint32_t cf, std::string_view key, std::string_view value) {
  Map& m = Family(cf);
  auto it = m.find(key);
  if (it == m.end()) {
    m.emplace(std::string(key), std::string(value));
  } else {
    it->second.emplace(value);
  }
}

void BatchOverlay::Delete(uint32_t cf, std::string_view key) {
  Map& m = Family(cf);
  auto it = m.find(key);
  if (it == m.end()) {
    m.emplace(std::string(key), std::nullopt);
  } else {
    it->second.reset();
  }
}

std::unique_ptr<rocksdb::Iterator> BatchOverlay::NewMergedIterator(uint32_t cf,
                                                                   rocksdb::Iterator* base) const {
  const Map* m = FamilyIfAny(cf);
  if (m == nullptr || m->empty()) return std::unique_ptr<rocksdb::Iterator>(base);
  std::vector<MergedIterator::Entry> entries;
  entries.reserve(m->size());
  for (const auto& [k, v] : *m) entries.emplace_back(k, &v);
  std::sort(entries.begin(), entries.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  return std::make_unique<MergedIterator>(std::move(entries), base);
}

}  // namespace etcfs::store
