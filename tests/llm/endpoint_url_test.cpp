// Unit tests for parse_endpoint_url: scheme, host, port and path of upstream base URLs.
#include "llm/endpoint_url.hpp"

#include <catch2/catch.hpp>

using namespace xinyu::llm;

TEST_CASE("upstream base URLs parse into scheme, host, port and path", "[url]") {
  auto a = parse_endpoint_url("https://api.deepseek.com/v1/");
  REQUIRE(a);
  CHECK(a->tls);
  CHECK(a->host == "api.deepseek.com");
  CHECK(a->port == 443);
  CHECK(a->path == "/v1");
  auto b = parse_endpoint_url("http://127.0.0.1:11434/v1");
  REQUIRE(b);
  CHECK_FALSE(b->tls);
  CHECK(b->port == 11434);
  auto c = parse_endpoint_url("http://[::1]:8000");
  REQUIRE(c);
  CHECK(c->host == "::1");
  CHECK(c->path.empty());
  CHECK_FALSE(parse_endpoint_url("ftp://x"));
  CHECK_FALSE(parse_endpoint_url("http://"));
  CHECK_FALSE(parse_endpoint_url("http://host:99999/v1"));
  CHECK_FALSE(parse_endpoint_url("http://host:abc"));
  CHECK_FALSE(parse_endpoint_url("localhost:8000"));
  CHECK_FALSE(parse_endpoint_url("http://user:pw@host/v1")); // no credentials in URLs
  CHECK_FALSE(parse_endpoint_url("http://host/v1?x=1"));
  CHECK_FALSE(parse_endpoint_url("http://host:0/v1"));
  auto d = parse_endpoint_url("HTTPS://Example.com:8443/a%20b/");
  REQUIRE(d);
  CHECK(d->tls);
  CHECK(d->port == 8443);
  CHECK(d->path == "/a%20b");
}
