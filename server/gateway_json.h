// The JSON side of etcd's HTTP gateway (gateway.h): protobuf's JSON mapping
// as etcd 3.4's grpc-gateway reads and writes it, messages to and from the
// byte buffers the in-process gRPC calls carry, the methods' wire names, and
// the gateway's errors.
#pragma once

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>
#include <grpcpp/support/byte_buffer.h>
#include <grpcpp/support/status.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace etcfs::server::gateway {

// A new, empty message of `type`, one of the generated messages.
std::unique_ptr<google::protobuf::Message> NewMessage(const google::protobuf::Descriptor* type);

// Parses `json` into `out` as etcd's gateway does: unknown fields ignored,
// unknown enum names refused, an empty body an empty request. Errors:
// INVALID_ARGUMENT with protobuf's description of what is wrong.
grpc::Status ParseJson(std::string_view json, google::protobuf::Message* out);

// `message` as etcd's gateway prints it: the .proto's field names, 64-bit
// integers as strings, bytes as base64, default values left out.
std::string PrintJson(const google::protobuf::Message& message);

// Splits a stream request body into its JSON objects ("{..}{..}" or one per
// line). Errors: INVALID_ARGUMENT for text that is not a sequence of objects.
grpc::Status SplitObjects(std::string_view body, std::vector<std::string_view>* objects);

// "/etcdserverpb.KV/Range": how gRPC names `method` on the wire.
std::string WireName(const google::protobuf::MethodDescriptor& method);

grpc::ByteBuffer ToBuffer(const google::protobuf::Message& message);
// Errors: INTERNAL for bytes that do not parse as `out`'s type.
grpc::Status FromBuffer(const grpc::ByteBuffer& buffer, google::protobuf::Message* out);

// The HTTP status etcd's gateway (grpc-gateway 1.9) answers for a gRPC code.
int HttpStatus(grpc::StatusCode code);
// {"error","message","code"}: a failed unary call, or a stream refused before it started.
std::string ErrorBody(const grpc::Status& status);
// {"error":{"grpc_code","http_code","message","http_status"}}: a stream that failed once started.
std::string StreamErrorLine(const grpc::Status& status);

}  // namespace etcfs::server::gateway
