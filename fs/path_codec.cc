#include "fs/path_codec.h"

namespace etcfs::fs {
namespace {

bool StartsWith(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

// Decodes a name with no self-value suffix.
std::optional<std::string> DecodeComponent(std::string_view name) {
  if (name == "%") return std::string();
  if (name == "%2E") return std::string(".");
  if (name == "%2E%2E") return std::string("..");
  if (name.empty() || name == "." || name == "..") return std::nullopt;
  std::string out;
  out.reserve(name.size());
  for (size_t i = 0; i < name.size(); ++i) {
    if (name[i] == '\0' || name[i] == '/') return std::nullopt;  // not in a file name; NUL is spelled %00
    if (name[i] != '%') {
      out.push_back(name[i]);
      continue;
    }
    const std::string_view rest = name.substr(i);
    if (StartsWith(rest, "%25")) {
      out.push_back('%');
    } else if (StartsWith(rest, "%00")) {
      out.push_back('\0');
    } else {
      return std::nullopt;
    }
    i += 2;
  }
  return out;
}

}  // namespace

std::optional<std::string> EncodeName(std::string_view component) {
  std::string out;
  if (component.empty()) {
    out = "%";
  } else if (component == ".") {
    out = "%2E";
  } else if (component == "..") {
    out = "%2E%2E";
  } else {
    out.reserve(component.size());
    for (char c : component) {
      if (c == '%') {
        out += "%25";
      } else if (c == '\0') {
        out += "%00";
      } else {
        out.push_back(c);
      }
    }
  }
  if (out.size() > kMaxNameBytes) return std::nullopt;
  return out;
}

std::optional<std::string> SelfValueName(std::string_view component) {
  auto name = EncodeName(component);
  if (!name || name->size() + 1 > kMaxNameBytes || component.empty()) return std::nullopt;
  return *name + "%";
}

std::optional<DecodedName> DecodeName(std::string_view name) {
  if (name.size() > kMaxNameBytes) return std::nullopt;
  // A trailing '%' that does not end an escape marks a self-value name.
  // Escapes are three bytes ("%25", "%00", "%2E"), so a name ending in '%'
  // is a self-value name unless it is the lone "%".
  if (name.size() >= 2 && name.back() == '%') {
    auto component = DecodeComponent(name.substr(0, name.size() - 1));
    if (!component || component->empty()) return std::nullopt;
    return DecodedName{std::move(*component), true};
  }
  auto component = DecodeComponent(name);
  if (!component) return std::nullopt;
  return DecodedName{std::move(*component), false};
}

}  // namespace etcfs::fs
