// StrongInt: an integer with a type of its own, so that a Raft index cannot be
// passed where a term is expected. Zero-cost; compares like the integer.
#pragma once

#include <compare>
#include <cstdint>
#include <functional>

namespace etcfs {

template <typename Tag, typename T = uint64_t>
class StrongInt {
 public:
  using ValueType = T;
  constexpr StrongInt() = default;
  constexpr explicit StrongInt(T v) : v_(v) {}
  constexpr T value() const { return v_; }
  constexpr auto operator<=>(const StrongInt&) const = default;
  constexpr StrongInt next() const { return StrongInt(v_ + 1); }
  // Offsets by a plain count; the distance between two is a plain count.
  constexpr StrongInt operator+(T n) const { return StrongInt(v_ + n); }
  constexpr StrongInt operator-(T n) const { return StrongInt(v_ - n); }
  constexpr T operator-(StrongInt o) const { return v_ - o.v_; }
  constexpr StrongInt& operator++() { ++v_; return *this; }

 private:
  T v_{};
};

struct RaftIndexTag {};
struct RaftTermTag {};
struct NodeIdTag {};
// The position of an entry in the Raft log (1-based; 0 means none).
using RaftIndex = StrongInt<RaftIndexTag>;
// A Raft election term (0 before the first election).
using RaftTerm = StrongInt<RaftTermTag>;
// A cluster member's id (0 means none).
using NodeId = StrongInt<NodeIdTag>;

}  // namespace etcfs

template <typename Tag, typename T>
struct std::hash<etcfs::StrongInt<Tag, T>> {
  size_t operator()(const etcfs::StrongInt<Tag, T>& v) const { return std::hash<T>()(v.value()); }
};
