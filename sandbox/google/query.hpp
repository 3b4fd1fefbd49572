// Gmail search (`q` of messages.list), the subset the sandbox understands.
//
// Grammar (Gmail's, reduced):
//   query   := or_expr*                      implicit AND between adjacent expressions
//   or_expr := unary ("OR" unary)*           OR binds tighter than the implicit AND, as in Gmail
//   unary   := "-" unary | "(" query ")" | "{" unary* "}" | term
//   term    := [field ":"] (word | "quoted value" | "(" query ")")
// `{a b}` is Gmail's OR group. `field:(a b)` applies the field to every bare term inside.
// Fields: from to cc bcc (substring of any address in that header, case-insensitive), after before
// (epoch seconds or YYYY/MM/DD, UTC; compared with internalDate: after is >=, before is <),
// rfc822msgid (exact Message-ID, brackets optional, case-insensitive), subject (substring), in and
// label (a label id such as inbox or SENT, case-insensitive; in:drafts and in:chats name DRAFT and
// CHAT, in:anywhere matches all). A bare word matches a substring of the
// subject, an address or the snippet. Unknown fields are compared like a bare word of "field:value".
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "model/result.hpp"

namespace hiresync::sandbox::google {

// What a query can look at in a message. Addresses are lower case.
struct SearchableMessage {
  std::vector<std::string> from, to, cc, bcc;
  std::string message_id;  // without angle brackets
  std::string subject;
  std::string snippet;
  std::int64_t internal_date_ms = 0;
  std::vector<std::string> labels;  // INBOX, SENT, UNREAD
};

class Query {
 public:
  struct Node;
  Query();
  ~Query();
  Query(Query&&) noexcept;
  Query& operator=(Query&&) noexcept;

  // Parses `q`. An empty or blank q matches everything. Returns kInvalidArgument for unbalanced
  // parentheses or quotes, a dangling OR or "-", or a malformed after:/before: date.
  static model::Result<Query> parse(std::string_view q);

  // True when `m` satisfies the query. Thread-safe (const).
  bool matches(const SearchableMessage& m) const;

 private:
  std::unique_ptr<Node> root_;  // null: match all
};

// Parses an after:/before: value: decimal epoch seconds, or YYYY/MM/DD (also with '-'), as UTC
// midnight. Returns the epoch seconds, or kInvalidArgument.
model::Result<std::int64_t> parse_search_date(std::string_view value);

}  // namespace hiresync::sandbox::google
