// xinyu-token-count: prints core/policy/token_count's approximate count of each stdin line, one
// number a line, for bench/token_count_error.js. Never a tokenizer of its own.
#include "core/policy/token_count.hpp"

#include <iostream>
#include <string>

int main() {
  std::ios::sync_with_stdio(false);
  std::string line;
  while (std::getline(std::cin, line))
    std::cout << xinyu::core::approximate_tokens(line) << '\n';
}
