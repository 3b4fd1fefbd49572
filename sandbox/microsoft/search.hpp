// Graph's $search on messages (KQL), the subset the sandbox understands.
//
// The value must be wrapped in double quotes ($search="..."); inside, terms are separated by blanks:
//   query := and ("OR" and)*        OR binds loosest
//   and   := unary (["AND"] unary)*
//   unary := "NOT" unary | "(" query ")" | term
//   term  := [property ":"] value   value: a word or 'single quoted' / \"escaped quoted\" text
// Properties: from, to, cc, bcc (an address or display name of that header contains the value,
// case-insensitively), participants (any of from/to/cc/bcc/sender/replyTo), recipients (to/cc/bcc),
// subject (substring). A bare value matches an address, a display name or the subject.
// received, sent: the day (UTC) the message was received / sent, at day granularity, as
// `received:2024-06-10`, `received:06/10/2024`, a range `received:2024-06-01..2024-06-30` (both days
// included), or a comparison `received>=D`, `received>D`, `received<=D`, `received<D`.
// Unknown properties and unreadable dates are a parse error (Graph answers 400).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "model/result.hpp"
#include "sandbox/microsoft/graph_message.hpp"

namespace hiresync::sandbox::microsoft {

class Search {
 public:
  struct Node;
  Search();
  ~Search();
  Search(Search&&) noexcept;
  Search& operator=(Search&&) noexcept;

  // Parses a $search value, outer double quotes included. kInvalidArgument when unquoted,
  // unbalanced, empty or using an unknown property.
  static model::Result<Search> parse(std::string_view value);
  bool matches(const MessageContent& m) const;  // thread-safe (const)

 private:
  std::unique_ptr<Node> root_;
};

}  // namespace hiresync::sandbox::microsoft
