#include "server/urls.h"

#include <sstream>

namespace etcfs::server {

Result<std::string> HostPort(const std::string& url) {
  std::string rest = url;
  for (const char* scheme : {"http://", "https://", "unix://"}) {
    if (rest.rfind(scheme, 0) == 0) {
      if (std::string(scheme) != "http://") {
        return Status::InvalidArgument("URL '" + url + "': only http:// is supported for now");
      }
      rest = rest.substr(std::string(scheme).size());
      break;
    }
  }
  if (auto slash = rest.find('/'); slash != std::string::npos) rest = rest.substr(0, slash);
  const auto colon = rest.rfind(':');
  if (rest.empty() || colon == std::string::npos || colon + 1 == rest.size()) {
    return Status::InvalidArgument("URL '" + url + "' needs a host and a port, like http://127.0.0.1:2379");
  }
  for (char c : rest.substr(colon + 1)) {
    if (c < '0' || c > '9') return Status::InvalidArgument("URL '" + url + "' has a bad port");
  }
  return rest;
}

Result<std::vector<std::string>> HostPorts(const std::string& urls) {
  std::vector<std::string> out;
  std::stringstream in(urls);
  std::string url;
  while (std::getline(in, url, ',')) {
    if (url.empty()) continue;
    ETCFS_ASSIGN_OR_RETURN(std::string hp, HostPort(url));
    out.push_back(hp);
  }
  if (out.empty()) return Status::InvalidArgument("no URL in '" + urls + "'");
  return out;
}

Result<std::map<std::string, std::string>> ParseInitialCluster(const std::string& spec) {
  std::map<std::string, std::string> out;
  std::stringstream in(spec);
  std::string item;
  while (std::getline(in, item, ',')) {
    const auto eq = item.find('=');
    if (eq == std::string::npos || eq == 0) {
      return Status::InvalidArgument("--initial-cluster entry '" + item + "' is not name=url");
    }
    ETCFS_ASSIGN_OR_RETURN(std::string hp, HostPort(item.substr(eq + 1)));
    if (!out.emplace(item.substr(0, eq), hp).second) {
      return Status::InvalidArgument("--initial-cluster names member '" + item.substr(0, eq) + "' twice");
    }
  }
  if (out.empty()) return Status::InvalidArgument("--initial-cluster is empty");
  return out;
}

}  // namespace etcfs::server
