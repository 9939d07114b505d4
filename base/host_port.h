// HostPort: a network address as etcd's flags and clients spell it:
// "host:port", "[::1]:port", or inside a URL ("http://10.0.0.1:2379/").
// The one parser for every place that takes an address.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.h"

namespace etcfs {

struct HostPort {
  std::string host;  // an IPv6 literal without its brackets
  uint16_t port = 0;

  // "host:port", with brackets around an IPv6 literal.
  std::string ToString() const;
  bool operator==(const HostPort&) const = default;
};

// "host:port" or "[v6]:port". Errors name the address and what is wrong.
Result<HostPort> ParseHostPort(std::string_view address);

// "scheme://host:port[/path]" (or a bare "host:port"); `scheme` receives
// the scheme ("" when none was given). Errors name the URL.
Result<HostPort> ParseUrlAddress(std::string_view url, std::string* scheme = nullptr);

}  // namespace etcfs
