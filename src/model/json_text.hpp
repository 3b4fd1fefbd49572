// Writing JSON text straight into a buffer, where building a JSON DOM first costs more than the
// work itself: import --json prints thousands of entries, and the store passes lists as JSON
// parameters for every stored message. Pure; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace hiresync::model {

// Appends `s` as a JSON string literal (with quotes). Control characters are escaped; valid UTF-8
// passes through; each byte of invalid UTF-8 (a file name is just bytes) becomes U+FFFD, so the
// output is always valid JSON.
void append_json_string(std::string& out, std::string_view s);

// A JSON array of strings, e.g. ["a","b"], with the escaping above.
std::string json_string_array(const std::vector<std::string>& items);

}  // namespace hiresync::model
