#include "consensus/peer_address.h"

#include "base/host_port.h"

namespace etcfs::consensus {

Result<asio::ip::tcp::endpoint> PeerEndpoint(const std::string& address) {
  ETCFS_ASSIGN_OR_RETURN(HostPort hp, ParseHostPort(address));
  if (hp.host == "localhost") hp.host = "127.0.0.1";
  asio::error_code ec;
  auto ip = asio::ip::make_address(hp.host, ec);
  if (ec) return Status::InvalidArgument("address '" + address + "': '" + hp.host + "' is not an IP address");
  return asio::ip::tcp::endpoint(ip, hp.port);
}

}  // namespace etcfs::consensus
