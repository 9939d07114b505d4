// JSON as `etcdctl -w json` prints it (Go's encoding/json of etcd's
// generated structs), so that scripts written for etcdctl read ours: fields
// under their proto names, zero values left out, 64-bit integers as
// numbers, bytes in base64, enums as their numbers.
#pragma once

#include <string>
#include <string_view>

#include <google/protobuf/message.h>

namespace etcfs::ctl {

std::string ToJson(const google::protobuf::Message& m);
std::string Base64(std::string_view bytes);
// A JSON string literal (quotes included).
std::string JsonString(std::string_view s);

}  // namespace etcfs::ctl
