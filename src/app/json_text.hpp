// Writing JSON strings straight into an output buffer, for outputs with thousands of entries
// (import --json) where building a DOM first costs more than the import itself.
#pragma once

#include <string>
#include <string_view>

namespace hiresync::app {

// Appends `s` as a JSON string literal (with quotes). Control characters are escaped; valid UTF-8
// passes through; each byte of invalid UTF-8 (a file name is just bytes) becomes U+FFFD, so the
// output is always valid JSON.
void append_json_string(std::string& out, std::string_view s);

}  // namespace hiresync::app
