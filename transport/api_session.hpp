// Hand-off from the HTTP session to one HTTP API call: POST /v1/chat (SSE), GET /v1/history,
// POST /v1/chat/completions (OpenAI), the memories API. Only http_session.cpp includes this.
#pragma once

#include "transport/streams.hpp"

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <memory>

namespace xinyu::transport {

struct context;

enum class api_kind { chat, history, completions, care_report, emergency_contact, memories };

/// Serves one API request on `stream` and closes the connection when it is answered.
void start_api_call(plain_stream stream,
                    boost::beast::http::request<boost::beast::http::string_body> req,
                    std::shared_ptr<context> ctx, api_kind kind,
                    std::shared_ptr<class connection_slot> slot);
void start_api_call(tls_stream stream,
                    boost::beast::http::request<boost::beast::http::string_body> req,
                    std::shared_ptr<context> ctx, api_kind kind,
                    std::shared_ptr<class connection_slot> slot);

} // namespace xinyu::transport
