// PeerConnection: one stream between two members, carrying frames
// (frame_codec.h) both ways. Writes queue and go out in order; reads run
// until an error or Close. The transport keeps one per peer for messages,
// and opens short-lived ones for a snapshot or a cluster query.
//
// Threads: the io thread of its socket only.
#pragma once

#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <utility>

#include <asio.hpp>

namespace etcfs::consensus {

struct Peer;

class PeerConnection : public std::enable_shared_from_this<PeerConnection> {
 public:
  // `limit`: the largest frame accepted; a larger one ends the reads.
  PeerConnection(asio::ip::tcp::socket socket, size_t limit) : socket_(std::move(socket)), limit_(limit) {}

  // Reads frames until an error: `on_frame` hears each body, `on_error` why
  // the reads ended (once).
  void ReadLoop(std::function<void(const std::string&)> on_frame, std::function<void(const std::string&)> on_error);
  // Queues `frame` (encoded); `on_done` runs once it was written, never
  // after Close.
  void Write(std::string frame, std::function<void()> on_done = nullptr);
  void Close();

  bool idle() const { return !writing_ && out_.empty(); }
  bool closed() const { return closed_; }
  void set_limit(size_t limit) { limit_ = limit; }
  std::chrono::steady_clock::time_point last_heard() const { return last_heard_; }

  // The member on the other end, once its Hello named it.
  std::weak_ptr<Peer> peer;
  // Accepted for one snapshot, then closed.
  bool snapshot_stream = false;
  // Called when the write queue drains, to fetch more (the peer's batch).
  std::function<void()> on_drained;

 private:
  void DoWrite();

  asio::ip::tcp::socket socket_;
  size_t limit_;
  bool closed_ = false;
  bool writing_ = false;
  char header_[4];
  std::string body_;
  std::deque<std::pair<std::string, std::function<void()>>> out_;
  std::chrono::steady_clock::time_point last_heard_ = std::chrono::steady_clock::now();
};

}  // namespace etcfs::consensus
