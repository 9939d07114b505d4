#include "base/host_port.h"

#include <charconv>

namespace etcfs {

std::string HostPort::ToString() const {
  const bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

Result<HostPort> ParseHostPort(std::string_view address) {
  const std::string quoted = "address '" + std::string(address) + "'";
  const size_t colon = address.rfind(':');
  if (colon == std::string_view::npos || colon + 1 == address.size()) {
    return Status::InvalidArgument(quoted + " has no port; expected host:port, like 127.0.0.1:2379");
  }
  HostPort hp;
  std::string_view host = address.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  } else if (host.find(':') != std::string_view::npos) {
    return Status::InvalidArgument(quoted + ": an IPv6 address needs brackets, like [::1]:2379");
  }
  if (host.empty()) return Status::InvalidArgument(quoted + " has no host; expected host:port");
  hp.host = std::string(host);
  const std::string_view port = address.substr(colon + 1);
  unsigned value = 0;
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (ec != std::errc() || end != port.data() + port.size() || value > 65535) {
    return Status::InvalidArgument(quoted + " has a bad port '" + std::string(port) + "'");
  }
  hp.port = static_cast<uint16_t>(value);
  return hp;
}

Result<HostPort> ParseUrlAddress(std::string_view url, std::string* scheme) {
  std::string_view rest = url;
  std::string found;
  if (const size_t sep = rest.find("://"); sep != std::string_view::npos) {
    found = std::string(rest.substr(0, sep));
    rest = rest.substr(sep + 3);
  }
  if (const size_t slash = rest.find('/'); slash != std::string_view::npos) rest = rest.substr(0, slash);
  auto hp = ParseHostPort(rest);
  if (!hp.ok()) {
    return Status::InvalidArgument("URL '" + std::string(url) + "' needs a host and a port, like " +
                                   (found.empty() ? std::string("http") : found) + "://127.0.0.1:2379");
  }
  if (scheme != nullptr) *scheme = std::move(found);
  return hp;
}

}  // namespace etcfs
