// The OpenAI-compatible /embeddings wire format: request body and response parsing.
// Pure; must never open a connection.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace xinyu::core {

/// {"model": model, "input": text}
std::string embedding_request_body(std::string_view model, std::string_view text);

/// The L2-normalised vector of data[0].embedding; nullopt with `error` set for anything else
/// (API error object, missing or empty vector, non-numbers, a zero vector).
std::optional<std::vector<float>> parse_embedding_response(std::string_view body,
                                                           std::string& error);

} // namespace xinyu::core
