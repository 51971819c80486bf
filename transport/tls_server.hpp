// The server side of TLS (server.tls_cert / server.tls_key): an OpenSSL context with the
// certificate chain and key loaded, TLS 1.2 or later. Must never log key material.
#pragma once

#include <memory>
#include <string>

namespace boost::asio::ssl {
class context;
}

namespace xinyu::transport {

/// Loads the PEM certificate chain and private key; null with `error` set when either cannot
/// be read or they do not match.
std::shared_ptr<boost::asio::ssl::context> make_tls_server_context(const std::string& cert_file,
                                                                   const std::string& key_file,
                                                                   std::string& error);

} // namespace xinyu::transport
