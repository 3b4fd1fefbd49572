// Raw messages on disk, for `hiresync import` and `explain`: single files (.eml or anything),
// directories read recursively in a stable (sorted) order, maildirs (cur/ and new/) and mbox files
// (a file starting with a "From " line, split on "From " separator lines).
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "model/result.hpp"

namespace hiresync::app {

struct Inputs {
  std::vector<std::string> files;  // regular files, in a deterministic order
  // Arguments that name something other than a file or directory (a FIFO, a device), with why.
  std::vector<std::pair<std::string, std::string>> unreadable;
};

// Expands the command-line paths into the list of files to read, in a deterministic order
// (arguments as given; inside a directory, entries sorted by name; hidden entries and maildir tmp/
// skipped). Errors: kInvalidArgument naming the first path that does not exist.
model::Result<Inputs> expand_inputs(const std::vector<std::string>& args);

// Reads a whole file into `buffer` and returns a view of the bytes read. The buffer is scratch
// space that only grows (never cleared nor shrunk, so reusing it for thousands of files costs
// nothing); the view is valid until the next call with the same buffer.
// kInvalidArgument with the OS reason ("Permission denied") when it cannot be read.
model::Result<std::string_view> read_file(const std::string& path, std::string& buffer);

// One message found in a file: a view into the file's buffer.
struct FoundMessage {
  std::string_view raw;
  int index = 0;  // 1-based position in an mbox; 0 for a file that is one message
};

// Splits file content into messages. A file that starts with an mbox "From " line is an mbox:
// a new message starts at each "From " line that follows an empty line and looks like a separator
// ("From <sender> <date with hh:mm>"), so a body line that merely begins with "From " does not split.
// The separator lines themselves are dropped; ">From " unescaping is left to the MIME layer's
// tolerance (it only affects bodies). A file with exactly one message reports index 0.
std::vector<FoundMessage> split_messages(std::string_view content);

// The label of a message in output: the path, plus "#N" for the Nth message of a multi-message mbox.
std::string source_label(const std::string& path, const FoundMessage& m);

}  // namespace hiresync::app
