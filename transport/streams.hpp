// The two byte streams a connection can run on: plain TCP, or TLS over TCP when
// server.tls_cert/tls_key are set. Only the Beast translation units include this; must never
// be included by a header outside transport/.
#pragma once

#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <type_traits>

namespace xinyu::transport {

using plain_stream = boost::beast::tcp_stream;
using tls_stream = boost::beast::ssl_stream<boost::beast::tcp_stream>;

template <class Stream>
inline constexpr bool is_tls = std::is_same_v<Stream, tls_stream>;

} // namespace xinyu::transport
