#include "mount-tools/mount_source.h"

namespace etcfs::mount_tools {

namespace {

std::vector<std::string> SplitCommas(std::string_view s) {
  std::vector<std::string> out;
  while (!s.empty()) {
    const size_t comma = s.find(',');
    std::string_view part = s.substr(0, comma);
    if (!part.empty()) out.emplace_back(part);
    s.remove_prefix(comma == std::string_view::npos ? s.size() : comma + 1);
  }
  return out;
}

}  // namespace

Result<MountSource> ParseMountSource(std::string_view spec) {
  MountSource src;
  std::string_view eps = spec;
  for (size_t pos = spec.rfind(":/"); pos != std::string_view::npos; pos = spec.rfind(":/", pos - 1)) {
    if (pos + 2 < spec.size() && spec[pos + 2] == '/') {  // "http://": part of an endpoint
      if (pos == 0) break;
      continue;
    }
    eps = spec.substr(0, pos);
    src.prefix = std::string(spec.substr(pos + 1));
    break;
  }
  if (src.prefix.back() != '/') src.prefix += '/';
  for (std::string ep : SplitCommas(eps)) {
    if (ep.starts_with("https://")) {
      return Status::InvalidArgument("endpoint '" + ep + "': TLS is not supported yet; use an http:// endpoint");
    }
    if (ep.starts_with("http://")) ep = ep.substr(7);
    while (!ep.empty() && ep.back() == '/') ep.pop_back();
    if (ep.find('/') != std::string::npos) return Status::InvalidArgument("endpoint '" + ep + "' is not HOST:PORT");
    src.endpoints.push_back(std::move(ep));
  }
  if (src.endpoints.empty()) {
    return Status::InvalidArgument("'" + std::string(spec) +
                                   "' names no endpoint; expected ENDPOINT[,ENDPOINT...][:/PREFIX/], "
                                   "e.g. 127.0.0.1:2379:/app/");
  }
  return src;
}

}  // namespace etcfs::mount_tools
