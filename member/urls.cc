#include "member/urls.h"

#include <sstream>

#include "base/host_port.h"

namespace etcfs::member {

Result<std::string> UrlAddress(const std::string& url) {
  std::string scheme;
  ETCFS_ASSIGN_OR_RETURN(etcfs::HostPort hp, ParseUrlAddress(url, &scheme));
  if (!scheme.empty() && scheme != "http") {
    return Status::InvalidArgument("URL '" + url + "': only http:// is supported for now");
  }
  return hp.ToString();
}

Result<std::vector<std::string>> UrlAddresses(const std::string& urls) {
  std::vector<std::string> out;
  std::stringstream in(urls);
  std::string url;
  while (std::getline(in, url, ',')) {
    if (url.empty()) continue;
    ETCFS_ASSIGN_OR_RETURN(std::string hp, UrlAddress(url));
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
    ETCFS_ASSIGN_OR_RETURN(std::string hp, UrlAddress(item.substr(eq + 1)));
    if (!out.emplace(item.substr(0, eq), hp).second) {
      return Status::InvalidArgument("--initial-cluster names member '" + item.substr(0, eq) + "' twice");
    }
  }
  if (out.empty()) return Status::InvalidArgument("--initial-cluster is empty");
  return out;
}

}  // namespace etcfs::member
