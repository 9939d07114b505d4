#include "server/gateway_json.h"

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>

namespace etcfs::server::gateway {

namespace pb = google::protobuf;

std::unique_ptr<pb::Message> NewMessage(const pb::Descriptor* type) {
  return std::unique_ptr<pb::Message>(pb::MessageFactory::generated_factory()->GetPrototype(type)->New());
}

grpc::Status ParseJson(std::string_view json, pb::Message* out) {
  if (json.find_first_not_of(" \t\r\n") == std::string_view::npos) return grpc::Status::OK;
  // etcd's gateway ignores unknown fields but not unknown enum names, which
  // protobuf's ignore_unknown_fields would drop too: parse strictly, and
  // again leniently only when what failed was a field name.
  auto parsed = pb::util::JsonStringToMessage(pb::StringPiece(json.data(), json.size()), out);
  if (!parsed.ok() && parsed.message().find("Cannot find field") != pb::StringPiece::npos) {
    pb::util::JsonParseOptions lenient;
    lenient.ignore_unknown_fields = true;
    out->Clear();
    parsed = pb::util::JsonStringToMessage(pb::StringPiece(json.data(), json.size()), out, lenient);
  }
  if (!parsed.ok()) return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, std::string(parsed.message()));
  // The lenient parser keeps some of what it skips (an object under an
  // empty name) as unknown fields; nothing unknown may travel on.
  out->DiscardUnknownFields();
  return grpc::Status::OK;
}

std::string PrintJson(const pb::Message& message) {
  pb::util::JsonPrintOptions print;
  print.preserve_proto_field_names = true;  // etcd's gateway: OrigName
  std::string out;
  (void)pb::util::MessageToJsonString(message, &out, print);  // fails only for Any of unknown types
  return out;
}

grpc::Status SplitObjects(std::string_view body, std::vector<std::string_view>* objects) {
  size_t depth = 0, start = 0;
  bool in_string = false, escaped = false;
  for (size_t i = 0; i < body.size(); ++i) {
    const char c = body[i];
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (depth == 0) {
      if (c == ' ' || c == '\t' || c == '\r' || c == '\n') continue;
      if (c != '{') {
        return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                            "the request stream holds '" + std::string(1, c) + "' where a JSON object should begin");
      }
      start = i;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      ++depth;
    } else if ((c == '}' || c == ']') && --depth == 0) {
      objects->push_back(body.substr(start, i + 1 - start));
    }
  }
  if (depth != 0 || in_string) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "the request stream ends inside a JSON object");
  }
  return grpc::Status::OK;
}

std::string WireName(const pb::MethodDescriptor& method) {
  return "/" + method.service()->full_name() + "/" + method.name();
}

grpc::ByteBuffer ToBuffer(const pb::Message& message) {
  grpc::Slice slice(message.SerializeAsString());
  return grpc::ByteBuffer(&slice, 1);
}

grpc::Status FromBuffer(const grpc::ByteBuffer& buffer, pb::Message* out) {
  std::vector<grpc::Slice> slices;
  if (!buffer.Dump(&slices).ok()) return grpc::Status(grpc::StatusCode::INTERNAL, "an unreadable response");
  std::string wire;
  for (const auto& s : slices) wire.append(reinterpret_cast<const char*>(s.begin()), s.size());
  if (!out->ParseFromString(wire)) {
    return grpc::Status(grpc::StatusCode::INTERNAL, "a response that does not parse as " + out->GetTypeName());
  }
  return grpc::Status::OK;
}

int HttpStatus(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK: return 200;
    case grpc::StatusCode::CANCELLED: return 408;
    case grpc::StatusCode::INVALID_ARGUMENT: return 400;
    case grpc::StatusCode::DEADLINE_EXCEEDED: return 504;
    case grpc::StatusCode::NOT_FOUND: return 404;
    case grpc::StatusCode::ALREADY_EXISTS: return 409;
    case grpc::StatusCode::PERMISSION_DENIED: return 403;
    case grpc::StatusCode::UNAUTHENTICATED: return 401;
    case grpc::StatusCode::RESOURCE_EXHAUSTED: return 429;
    case grpc::StatusCode::FAILED_PRECONDITION: return 412;
    case grpc::StatusCode::ABORTED: return 409;
    case grpc::StatusCode::OUT_OF_RANGE: return 400;
    case grpc::StatusCode::UNIMPLEMENTED: return 501;
    case grpc::StatusCode::UNAVAILABLE: return 503;
    default: return 500;  // UNKNOWN, INTERNAL, DATA_LOSS
  }
}

namespace {

std::string Quote(const std::string& text) {
  pb::Value v;
  v.set_string_value(text);
  std::string out;
  (void)pb::util::MessageToJsonString(v, &out);
  return out;
}

// Go's http.StatusText for the statuses HttpStatus gives.
const char* StatusText(int http) {
  switch (http) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 412: return "Precondition Failed";
    case 429: return "Too Many Requests";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "Internal Server Error";
  }
}

}  // namespace

std::string ErrorBody(const grpc::Status& status) {
  std::string message = Quote(status.error_message());
  return "{\"error\":" + message + ",\"message\":" + message +
         ",\"code\":" + std::to_string(static_cast<int>(status.error_code())) + "}";
}

std::string StreamErrorLine(const grpc::Status& status) {
  const int http = HttpStatus(status.error_code());
  return "{\"error\":{\"grpc_code\":" + std::to_string(static_cast<int>(status.error_code())) +
         ",\"http_code\":" + std::to_string(http) + ",\"message\":" + Quote(status.error_message()) +
         ",\"http_status\":" + Quote(StatusText(http)) + "}}\n";
}

}  // namespace etcfs::server::gateway
