#include "ctl/json_output.h"

#include <openssl/evp.h>

#include <cctype>
#include <cstdio>
#include <vector>

namespace etcfs::ctl {

namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

void Append(const Message& m, std::string* out);

// Go's name for a generated field: "response_put" -> "ResponsePut".
std::string GoName(const std::string& proto_name) {
  std::string out;
  bool upper = true;
  for (char c : proto_name) {
    if (c == '_') {
      upper = true;
      continue;
    }
    out += upper ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c;
    upper = false;
  }
  return out;
}

void AppendValue(const Message& m, const Reflection* r, const FieldDescriptor* f, int index, std::string* out) {
  const bool rep = f->is_repeated();
  switch (f->cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32:
      *out += std::to_string(rep ? r->GetRepeatedInt32(m, f, index) : r->GetInt32(m, f));
      break;
    case FieldDescriptor::CPPTYPE_INT64:
      *out += std::to_string(rep ? r->GetRepeatedInt64(m, f, index) : r->GetInt64(m, f));
      break;
    case FieldDescriptor::CPPTYPE_UINT32:
      *out += std::to_string(rep ? r->GetRepeatedUInt32(m, f, index) : r->GetUInt32(m, f));
      break;
    case FieldDescriptor::CPPTYPE_UINT64:
      *out += std::to_string(rep ? r->GetRepeatedUInt64(m, f, index) : r->GetUInt64(m, f));
      break;
    case FieldDescriptor::CPPTYPE_BOOL:
      *out += (rep ? r->GetRepeatedBool(m, f, index) : r->GetBool(m, f)) ? "true" : "false";
      break;
    case FieldDescriptor::CPPTYPE_ENUM:
      *out += std::to_string(rep ? r->GetRepeatedEnumValue(m, f, index) : r->GetEnumValue(m, f));
      break;
    case FieldDescriptor::CPPTYPE_STRING: {
      const std::string s = rep ? r->GetRepeatedString(m, f, index) : r->GetString(m, f);
      *out += f->type() == FieldDescriptor::TYPE_BYTES ? '"' + Base64(s) + '"' : JsonString(s);
      break;
    }
    case FieldDescriptor::CPPTYPE_MESSAGE:
      Append(rep ? r->GetRepeatedMessage(m, f, index) : r->GetMessage(m, f), out);
      break;
    default:
      *out += "null";
  }
}

void Append(const Message& m, std::string* out) {
  const Reflection* r = m.GetReflection();
  std::vector<const FieldDescriptor*> fields;
  r->ListFields(m, &fields);  // set fields only: Go's omitempty
  *out += '{';
  bool first = true;
  for (const FieldDescriptor* f : fields) {
    if (!first) *out += ',';
    first = false;
    if (const auto* oneof = f->containing_oneof()) {
      // Go holds a oneof in an interface field named after it, whose value
      // is a struct with one field named after the member.
      *out += JsonString(GoName(oneof->name())) + ":{" + JsonString(GoName(f->name())) + ':';
      AppendValue(m, r, f, -1, out);
      *out += '}';
      continue;
    }
    *out += JsonString(f->name());
    *out += ':';
    if (f->is_repeated()) {
      *out += '[';
      for (int i = 0; i < r->FieldSize(m, f); ++i) {
        if (i > 0) *out += ',';
        AppendValue(m, r, f, i, out);
      }
      *out += ']';
    } else {
      AppendValue(m, r, f, -1, out);
    }
  }
  *out += '}';
}

}  // namespace

std::string ToJson(const Message& m) {
  std::string out;
  Append(m, &out);
  return out;
}

std::string Base64(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

std::string JsonString(std::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

}  // namespace etcfs::ctl
