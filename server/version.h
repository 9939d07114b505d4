// The versions etcfs reports: the etcd API level it speaks, as semver, with
// etcfs' own version as build metadata.
#pragma once

namespace etcfs::server {

inline constexpr const char* kServerVersion = "3.4.0+etcfs.0.1";
inline constexpr const char* kClusterVersion = "3.4.0";

}  // namespace etcfs::server
