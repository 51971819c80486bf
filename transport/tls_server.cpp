// Builds the server's TLS context from PEM files with Asio's OpenSSL wrapper (TLS 1.2+, no
// compression, server cipher preference). Must never log key material.
#include "transport/tls_server.hpp"

#include <boost/asio/ssl/context.hpp>
#include <openssl/err.h>
#include <openssl/x509.h>

namespace xinyu::transport {

namespace ssl = boost::asio::ssl;

std::shared_ptr<ssl::context> make_tls_server_context(const std::string& cert_file,
                                                      const std::string& key_file,
                                                      std::string& error) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2
                   | ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1
                   | ssl::context::no_compression | ssl::context::single_dh_use);
  SSL_CTX_set_options(ctx->native_handle(), SSL_OP_CIPHER_SERVER_PREFERENCE);
  boost::system::error_code ec;
  ctx->use_certificate_chain_file(cert_file, ec);
  if (ec) {
    error = "server.tls_cert: cannot load a PEM certificate chain from '" + cert_file
            + "': " + ec.message();
    return nullptr;
  }
  ctx->use_private_key_file(key_file, ssl::context::pem, ec);
  if (ec && ERR_GET_REASON(static_cast<unsigned long>(ec.value())) == X509_R_KEY_VALUES_MISMATCH) {
    error = "server.tls_key does not belong to the certificate in server.tls_cert";
    return nullptr;
  }
  if (ec) {
    error =
      "server.tls_key: cannot load a PEM private key from '" + key_file + "': " + ec.message();
    return nullptr;
  }
  if (SSL_CTX_check_private_key(ctx->native_handle()) != 1) {
    error = "server.tls_key does not belong to the certificate in server.tls_cert";
    return nullptr;
  }
  return ctx;
}

} // namespace xinyu::transport
