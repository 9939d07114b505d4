// etcd-style URL lists ("http://127.0.0.1:2379,http://10.0.0.1:2379") and
// member lists ("a=http://h1:2380,b=http://h2:2380"), parsed with clear errors.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "base/result.h"

namespace etcfs::member {

// "http://host:port" -> "host:port" ("localhost" stays as given).
Result<std::string> UrlAddress(const std::string& url);
Result<std::vector<std::string>> UrlAddresses(const std::string& urls);
// "name=url,..." -> name -> host:port. A name may appear once.
Result<std::map<std::string, std::string>> ParseInitialCluster(const std::string& spec);

}  // namespace etcfs::member
