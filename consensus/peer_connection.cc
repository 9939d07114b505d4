#include "consensus/peer_connection.h"

#include "consensus/frame_codec.h"

namespace etcfs::consensus {

void PeerConnection::ReadLoop(std::function<void(const std::string&)> on_frame,
                              std::function<void(const std::string&)> on_error) {
  auto self = shared_from_this();
  asio::async_read(socket_, asio::buffer(header_, kFrameHeaderBytes), [self, on_frame, on_error](asio::error_code ec, size_t) {
    if (ec) return on_error(ec.message());
    const uint32_t n = DecodeFrameLength(self->header_);
    if (n > self->limit_) {
      return on_error("a frame of " + std::to_string(n) + " bytes, over the limit of " + std::to_string(self->limit_));
    }
    self->body_.resize(n);
    asio::async_read(self->socket_, asio::buffer(self->body_), [self, on_frame, on_error](asio::error_code ec, size_t) {
      if (ec) return on_error(ec.message());
      self->last_heard_ = std::chrono::steady_clock::now();
      on_frame(self->body_);
      if (!self->closed_) self->ReadLoop(on_frame, on_error);
    });
  });
}

void PeerConnection::Write(std::string frame, std::function<void()> on_done) {
  out_.emplace_back(std::move(frame), std::move(on_done));
  if (!writing_) DoWrite();
}

void PeerConnection::Close() {
  if (closed_) return;
  closed_ = true;
  // Nothing queued will be written now. Its callbacks may hold this
  // connection (a sender keeping it until its last frame went out): drop
  // them, or a write whose completion never runs (the io thread stopping)
  // would keep the connection forever. The frames stay: the write in flight
  // still points into the first.
  for (auto& queued : out_) queued.second = nullptr;
  asio::error_code ec;
  socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ec);
  socket_.close(ec);
}

void PeerConnection::DoWrite() {
  if (out_.empty() || closed_) {
    writing_ = false;
    if (on_drained && !closed_) on_drained();
    return;
  }
  writing_ = true;
  auto self = shared_from_this();
  asio::async_write(socket_, asio::buffer(out_.front().first), [self](asio::error_code ec, size_t) {
    auto done = std::move(self->out_.front().second);
    self->out_.pop_front();
    if (ec) {
      self->writing_ = false;
      self->Close();
      return;
    }
    if (done) done();
    self->DoWrite();
  });
}

}  // namespace etcfs::consensus
