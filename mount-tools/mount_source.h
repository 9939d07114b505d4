// MountSource: what a remote mount's source names ("ENDPOINTS:/PREFIX", as
// mount(8) and fstab give it): the endpoints of an etcd cluster and the
// prefix of its keys to show.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace etcfs::mount_tools {

struct MountSource {
  std::vector<std::string> endpoints;  // host:port, as given (scheme removed)
  std::string prefix = "/";            // ends with '/'
};

// "10.0.0.1:2379,10.0.0.2:2379:/app/" or "http://etcd:2379" (prefix "/").
// The prefix is what follows the last ":/" that does not start "://"; it
// must end with '/' (one is added to a prefix given without).
Result<MountSource> ParseMountSource(std::string_view spec);

}  // namespace etcfs::mount_tools
