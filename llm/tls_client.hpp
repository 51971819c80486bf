// Trust set-up shared by the llm/ HTTPS clients: the system store or a CA file, verification
// on or off. Only Beast translation units in llm/ include this; it never opens a connection.
#pragma once

#include <boost/asio/ssl/context.hpp>

#include <string>

namespace xinyu::llm {

/// Loads the trust anchors into `ctx` and sets peer verification; false with `error`.
inline bool configure_tls_client(boost::asio::ssl::context& ctx, bool verify,
                                 const std::string& ca_file, std::string& error) {
  boost::system::error_code ec;
  if (ca_file.empty())
    ctx.set_default_verify_paths(ec);
  else
    ctx.load_verify_file(ca_file, ec);
  if (ec) {
    error = "cannot load TLS certificates: " + ec.message();
    return false;
  }
  ctx.set_verify_mode(verify ? boost::asio::ssl::verify_peer : boost::asio::ssl::verify_none);
  return true;
}

} // namespace xinyu::llm
