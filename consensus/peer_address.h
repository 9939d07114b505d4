// A peer's address (host:port, "localhost" meaning 127.0.0.1) as a TCP endpoint.
#pragma once

#include <string>

#include <asio.hpp>

#include "base/result.h"

namespace etcfs::consensus {

// Errors: InvalidArgument (not host:port, or the host is not an IP address).
Result<asio::ip::tcp::endpoint> PeerEndpoint(const std::string& address);

}  // namespace etcfs::consensus
