#include "consensus/cluster_query.h"

#include <asio.hpp>

#include "consensus/frame_codec.h"
#include "consensus/peer_address.h"
#include "consensus/peer_connection.h"

namespace etcfs::consensus {

namespace {

// The largest description accepted.
constexpr size_t kMaxAnswerBytes = size_t{64} << 20;

}  // namespace

Result<std::string> QueryCluster(const std::string& address, std::chrono::milliseconds timeout) {
  ETCFS_ASSIGN_OR_RETURN(asio::ip::tcp::endpoint ep, PeerEndpoint(address));
  asio::io_context io;
  asio::ip::tcp::socket socket(io);
  std::string error = "no answer within " + std::to_string(timeout.count()) + " ms";
  std::string answer;
  bool answered = false;
  std::shared_ptr<PeerConnection> conn;
  socket.async_connect(ep, [&](asio::error_code ec) {
    if (ec) {
      error = ec.message();
      return;
    }
    conn = std::make_shared<PeerConnection>(std::move(socket), kMaxAnswerBytes);
    Hello hello;
    hello.stream = raftpb::Hello::CLUSTER;
    conn->Write(EncodeHello(hello));
    conn->ReadLoop(
        [&](const std::string& body) {
          raftpb::Frame frame;
          if (!frame.ParseFromString(body) || !frame.has_cluster_info()) {
            error = "a malformed answer";
          } else {
            answer = frame.cluster_info();
            answered = true;
          }
          conn->Close();
        },
        [&](const std::string& why) {
          static const std::string kEof = asio::error_code(asio::error::eof).message();
          if (!answered) error = why == kEof ? "the member refused the query" : why;
        });
  });
  io.run_for(timeout);
  if (conn) conn->Close();
  if (!answered) return Status::Unavailable("asking the member at " + address + " about its cluster: " + error);
  return answer;
}

}  // namespace etcfs::consensus
