# Turns a text file into a C++ header holding it as a string_view (used for the web page).
# Run as: cmake -DIN=<file> -DOUT=<header> -P embed_file.cmake
file(READ ${IN} content HEX)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "'\\\\x\\1'," bytes "${content}")
file(WRITE ${OUT} "// Generated from ${IN} at build time: do not edit.\n#pragma once\n#include <string_view>\nnamespace xinyu::transport {\ninline constexpr char web_page_bytes[] = {${bytes} '\\0'};\ninline constexpr std::string_view web_page{web_page_bytes, sizeof(web_page_bytes) - 1};\n}\n")
