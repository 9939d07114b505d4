// The gateway's streams (gateway.h): Watch, LeaseKeepAlive and Snapshot over
// HTTP/1.1, as etcd 3.4's grpc-gateway serves them. The request body is a
// sequence of JSON requests, all sent as the stream opens; the answer is
// chunked, one {"result":...} line per response, until the stream ends or the
// HTTP client goes away.
#include <google/protobuf/descriptor.h>
#include <grpcpp/grpcpp.h>
#include <httplib.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "etcd/etcdserverpb/rpc.pb.h"
#include "server/gateway.h"
#include "server/gateway_json.h"
#include "server/http_connections.h"

namespace etcfs::server::gateway {
namespace {

namespace pb = google::protobuf;

struct StreamRoute {
  const char* path;
  const char* rpc;
  // Whether the request side closes once the body is sent. etcd's gateway
  // closes it; etcd's lease and snapshot streams then end, its watch stream
  // goes on. etcfsd's watch stream ends its watches on close, so it stays
  // open here, and the watch lasts as long as the HTTP client stays.
  bool close_requests;
};

constexpr StreamRoute kStreamRoutes[] = {
    {"watch", "etcdserverpb.Watch.Watch", false},
    {"lease/keepalive", "etcdserverpb.Lease.LeaseKeepAlive", true},
    {"maintenance/snapshot", "etcdserverpb.Maintenance.Snapshot", true},
};

// One gRPC stream on a completion queue of its own, driven from the HTTP
// connection's thread. A read stays posted while the requests are written:
// the in-process transport buffers nothing, so a server that answers each
// request before reading the next would otherwise wait for us forever. While
// it waits, it checks every second whether the HTTP client is still there,
// and cancels the call once it is not.
class StreamCall {
 public:
  StreamCall(grpc::GenericStub& stub, const pb::MethodDescriptor& method, const std::string& authorization)
      : method_(method) {
    if (!authorization.empty()) ctx_.AddMetadata("authorization", authorization);
    call_ = stub.PrepareCall(&ctx_, WireName(method), &cq_);
  }

  ~StreamCall() {
    cq_.Shutdown();
    void* tag;
    bool ok;
    while (cq_.Next(&tag, &ok)) {
    }
  }

  // Sends `requests` (then closes the request side if `close_requests`) and
  // writes each response to `sink` as a line, until the stream ends.
  void Run(const std::vector<grpc::ByteBuffer>& requests, bool close_requests, httplib::DataSink& sink) {
    call_->StartCall(Tag(kStart));
    if (!Next(kStart)) return Finish(sink);
    call_->Read(&response_, Tag(kRead));
    bool reading = true;
    size_t written = 0;
    bool writing = StartWrite(requests, written, close_requests);
    while (reading || writing) {
      void* tag;
      bool ok;
      if (!Next(&tag, &ok)) break;
      switch (static_cast<Op>(reinterpret_cast<intptr_t>(tag))) {
        case kWrite:
          writing = ok && StartWrite(requests, ++written, close_requests);
          break;
        case kWritesDone:
          writing = false;
          break;
        case kRead:
          reading = ok && Emit(sink);
          if (reading) call_->Read(&response_, Tag(kRead));
          break;
        default:
          break;
      }
    }
    Finish(sink);
  }

 private:
  enum Op : intptr_t { kStart = 1, kWrite, kWritesDone, kRead, kFinish };
  static void* Tag(Op op) { return reinterpret_cast<void*>(op); }

  // Posts the write of requests[i], or the close after the last; false when
  // nothing more is to be written.
  bool StartWrite(const std::vector<grpc::ByteBuffer>& requests, size_t i, bool close_requests) {
    if (i < requests.size()) {
      call_->Write(requests[i], Tag(kWrite));
      return true;
    }
    if (!close_requests) return false;
    call_->WritesDone(Tag(kWritesDone));
    return true;
  }

  // The response just read, as a line; false once the stream must end.
  bool Emit(httplib::DataSink& sink) {
    auto response = NewMessage(method_.output_type());
    std::string line;
    if (grpc::Status read = FromBuffer(response_, response.get()); !read.ok()) {
      line = StreamErrorLine(read);
      sink.write(line.data(), line.size());
      Cancel();
      return false;
    }
    line = "{\"result\":" + PrintJson(*response) + "}\n";
    if (!sink.write(line.data(), line.size())) {
      Cancel();
      return false;
    }
    return true;
  }

  // Ends the call; a failure the client is still there to see is its last line.
  void Finish(httplib::DataSink& sink) {
    grpc::Status status;
    call_->Finish(&status, Tag(kFinish));
    Next(kFinish);
    if (!status.ok() && !client_gone_) {
      std::string line = StreamErrorLine(status);
      sink.write(line.data(), line.size());
    }
  }

  void Cancel() {
    client_gone_ = true;
    ctx_.TryCancel();
  }

  // The next completion; while none comes, checks on the HTTP client.
  bool Next(void** tag, bool* ok) {
    for (;;) {
      switch (cq_.AsyncNext(tag, ok, std::chrono::system_clock::now() + std::chrono::seconds(1))) {
        case grpc::CompletionQueue::GOT_EVENT:
          return true;
        case grpc::CompletionQueue::SHUTDOWN:
          return false;
        case grpc::CompletionQueue::TIMEOUT:
          if (!client_gone_ && HttpConnections::ClientGone()) Cancel();
          break;
      }
    }
  }
  // Waits for `op`, the only operation in flight; whether it succeeded.
  bool Next(Op op) {
    void* tag;
    bool ok = false;
    return Next(&tag, &ok) && tag == Tag(op) && ok;
  }

  const pb::MethodDescriptor& method_;
  grpc::ClientContext ctx_;
  grpc::CompletionQueue cq_;
  std::unique_ptr<grpc::GenericClientAsyncReaderWriter> call_;
  grpc::ByteBuffer response_;
  bool client_gone_ = false;
};

}  // namespace

void AddStreamRoutes(httplib::Server& http, std::shared_ptr<grpc::GenericStub> stub) {
  const pb::DescriptorPool* pool = pb::DescriptorPool::generated_pool();
  etcdserverpb::WatchRequest::descriptor();  // links rpc.proto's descriptors in
  for (const auto& route : kStreamRoutes) {
    const pb::MethodDescriptor* method = pool->FindMethodByName(route.rpc);
    if (method == nullptr) continue;
    const bool close_requests = route.close_requests;
    auto handler = [stub, method, close_requests](const httplib::Request& req, httplib::Response& res) {
      // Every request is decoded before the stream opens; one that does not
      // decode refuses the stream, as etcd's gateway refuses it (HTTP 500,
      // gRPC code Unknown).
      std::vector<std::string_view> objects;
      grpc::Status decoded = SplitObjects(req.body, &objects);
      std::vector<grpc::ByteBuffer> requests;
      for (size_t i = 0; decoded.ok() && i < objects.size(); ++i) {
        auto request = NewMessage(method->input_type());
        decoded = ParseJson(objects[i], request.get());
        requests.push_back(ToBuffer(*request));
      }
      if (!decoded.ok()) {
        res.status = 500;
        res.set_content(ErrorBody(grpc::Status(grpc::StatusCode::UNKNOWN, decoded.error_message())),
                        "application/json");
        return;
      }
      std::string authorization = req.get_header_value("Authorization");
      res.set_chunked_content_provider(
          "application/json",
          [stub, method, close_requests, requests = std::move(requests), authorization](size_t,
                                                                                       httplib::DataSink& sink) {
            StreamCall(*stub, *method, authorization).Run(requests, close_requests, sink);
            sink.done();
            return true;
          });
    };
    for (const char* version : {"/v3/", "/v3beta/"}) http.Post(version + std::string(route.path), handler);
  }
}

}  // namespace etcfs::server::gateway
