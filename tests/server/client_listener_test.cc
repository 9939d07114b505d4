// ClientListener and HttpConnections: gRPC and HTTP/1.1 on one real socket,
// with a real gRPC server behind it.
#include "server/client_listener.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <grpcpp/grpcpp.h>
#include <httplib.h>

#include <chrono>
#include <thread>

#include "etcd/etcdserverpb/rpc.grpc.pb.h"
#include "server/http_connections.h"

namespace etcfs::server {
namespace {

// Answers every Range with revision 42.
class FixedKv final : public etcdserverpb::KV::Service {
  grpc::Status Range(grpc::ServerContext*, const etcdserverpb::RangeRequest*,
                     etcdserverpb::RangeResponse* resp) override {
    resp->mutable_header()->set_revision(42);
    return grpc::Status::OK;
  }
};

class ClientPort : public ::testing::Test {
 protected:
  void SetUp() override {
    grpc::ServerBuilder builder;
    builder.RegisterService(&kv_);
    grpc_ = builder.BuildAndStart();
    ASSERT_NE(grpc_, nullptr);
    http_.server().Get("/hello", [](const httplib::Request&, httplib::Response& res) {
      res.set_content("hello", "text/plain");
    });
    http_.server().Post("/echo", [](const httplib::Request& req, httplib::Response& res) {
      res.set_content(req.body, "text/plain");
    });
    auto listener = ClientListener::Listen({"127.0.0.1:0"});
    ASSERT_TRUE(listener.ok()) << listener.status().ToString();
    listener_ = std::move(*listener);
    listener_->Serve(grpc_.get(), &http_);
    port_ = listener_->ports().at(0);
  }

  void TearDown() override {
    listener_.reset();
    http_.Stop();
    grpc_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(1));
  }

  int64_t GrpcRevision() {
    auto stub = etcdserverpb::KV::NewStub(
        grpc::CreateChannel("127.0.0.1:" + std::to_string(port_), grpc::InsecureChannelCredentials()));
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    etcdserverpb::RangeResponse resp;
    grpc::Status s = stub->Range(&ctx, etcdserverpb::RangeRequest(), &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return resp.header().revision();
  }

  int Connect() {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port_));
    inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
    EXPECT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
    return fd;
  }

  // Everything the server sends until it closes or 5 s pass.
  static std::string ReadAll(int fd) {
    timeval tv{5, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    std::string out;
    char buf[4096];
    for (ssize_t n; (n = recv(fd, buf, sizeof(buf), 0)) > 0;) out.append(buf, static_cast<size_t>(n));
    return out;
  }

  FixedKv kv_;
  std::unique_ptr<grpc::Server> grpc_;
  HttpConnections http_;
  std::unique_ptr<ClientListener> listener_;
  int port_ = 0;
};

TEST_F(ClientPort, ServesGrpcAndHttpOnOneSocket) {
  EXPECT_EQ(GrpcRevision(), 42);
  httplib::Client http("127.0.0.1", port_);
  auto res = http.Get("/hello");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, "hello");
  EXPECT_EQ(http.Get("/missing")->status, 404);
  EXPECT_EQ(GrpcRevision(), 42);
}

TEST_F(ClientPort, KeepsAnHttpConnectionForSeveralRequests) {
  httplib::Client http("127.0.0.1", port_);
  http.set_keep_alive(true);
  for (int i = 0; i < 3; ++i) {
    auto res = http.Post("/echo", "body " + std::to_string(i), "text/plain");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->body, "body " + std::to_string(i));
  }
}

TEST_F(ClientPort, TellsHttpFromAFirstByteThatCouldBeginTheHttp2Preface) {
  // "P" may begin "PRI "; the rest of "POST" says HTTP/1.1.
  int fd = Connect();
  ASSERT_EQ(send(fd, "P", 1, 0), 1);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  std::string rest = "OST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi";
  ASSERT_EQ(send(fd, rest.data(), rest.size(), 0), static_cast<ssize_t>(rest.size()));
  std::string reply = ReadAll(fd);
  close(fd);
  EXPECT_EQ(reply.substr(0, 15), "HTTP/1.1 200 OK");
  EXPECT_EQ(reply.substr(reply.size() - 2), "hi");
}

TEST_F(ClientPort, ASilentOrClosedConnectionHoldsNoOneElseUp) {
  int silent = Connect();
  int closed = Connect();
  close(closed);
  EXPECT_EQ(GrpcRevision(), 42);
  httplib::Client http("127.0.0.1", port_);
  auto res = http.Get("/hello");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->body, "hello");
  close(silent);
}

TEST_F(ClientPort, AConnectionThatWaitsForTheServerToSpeakGetsGrpcsSettings) {
  // A gRPC C++ client reconnecting may wait for the server's SETTINGS before
  // it sends its preface, as gRPC's own listener sends them at once.
  int fd = Connect();
  char frame[9];
  timeval tv{5, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  ASSERT_EQ(recv(fd, frame, sizeof(frame), MSG_WAITALL), 9);
  EXPECT_EQ(0x04, frame[3]);  // an HTTP/2 frame header of type SETTINGS
  close(fd);
  EXPECT_EQ(GrpcRevision(), 42);
}

TEST_F(ClientPort, StopEndsOpenHttpConnections) {
  int fd = Connect();
  std::string req = "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n";
  ASSERT_EQ(send(fd, req.data(), req.size(), 0), static_cast<ssize_t>(req.size()));
  char buf[16];
  ASSERT_GT(recv(fd, buf, sizeof(buf), 0), 0);  // served; the connection stays open (keep-alive)
  http_.Stop();
  EXPECT_EQ(ReadAll(fd).find("HTTP/1.1"), std::string::npos);  // closed, nothing more
  close(fd);
}

TEST(ClientListener, APortInUseIsAnErrorThatSaysSo) {
  auto first = ClientListener::Listen({"127.0.0.1:0"});
  ASSERT_TRUE(first.ok());
  auto second = ClientListener::Listen({"127.0.0.1:" + std::to_string((*first)->ports().at(0))});
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(second.status().message().find("another process"), std::string::npos) << second.status().message();
}

TEST(ClientListener, AHostNameListensOnEveryAddressItResolvesToUnderOnePort) {
  auto l = ClientListener::Listen({"localhost:0"});
  ASSERT_TRUE(l.ok()) << l.status().ToString();
  ASSERT_EQ((*l)->ports().size(), 1u);
  std::string port = std::to_string((*l)->ports()[0]);
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  ASSERT_EQ(getaddrinfo("localhost", port.c_str(), &hints, &found), 0);
  int addresses = 0;
  for (addrinfo* ai = found; ai != nullptr; ai = ai->ai_next, ++addresses) {
    // Accepted by the listening socket's backlog, before any Serve().
    int fd = socket(ai->ai_family, SOCK_STREAM, 0);
    EXPECT_EQ(connect(fd, ai->ai_addr, ai->ai_addrlen), 0) << "address family " << ai->ai_family;
    close(fd);
  }
  freeaddrinfo(found);
  EXPECT_GT(addresses, 0);
}

TEST(ClientListener, AMalformedAddressIsRefused) {
  EXPECT_FALSE(ClientListener::Listen({"127.0.0.1"}).ok());
  EXPECT_FALSE(ClientListener::Listen({"no-such-host.invalid:2379"}).ok());
}

}  // namespace
}  // namespace etcfs::server
