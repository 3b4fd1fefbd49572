#include "sandbox/microsoft/search.hpp"

#include <cstdio>
#include <limits>
#include <optional>
#include <vector>

#include "sandbox/microsoft/format.hpp"

namespace hiresync::sandbox::microsoft {

struct Search::Node {
  enum Kind { kAnd, kOr, kNot, kTerm, kDate } kind = kTerm;
  std::vector<std::unique_ptr<Node>> children;
  std::string property, value;  // kTerm, kDate (received|sent); value lower case
  std::int64_t from_ms = std::numeric_limits<std::int64_t>::min();  // kDate: [from_ms, until_ms)
  std::int64_t until_ms = std::numeric_limits<std::int64_t>::max();
};

namespace {

using NodePtr = std::unique_ptr<Search::Node>;
using model::ErrorCode;
using model::make_error;

constexpr std::int64_t kDayMs = 86'400'000;

// A KQL date at day granularity (UTC): "YYYY-MM-DD" or the US form "MM/DD/YYYY" the Graph examples
// use. The start of that day in epoch ms.
std::optional<std::int64_t> parse_day(const std::string& text) {
  int y = 0, m = 0, d = 0;
  char tail = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3 &&
      std::sscanf(text.c_str(), "%2d/%2d/%4d%c", &m, &d, &y, &tail) != 3) {
    return std::nullopt;
  }
  char iso[32];
  std::snprintf(iso, sizeof iso, "%04d-%02d-%02dT00:00:00Z", y, m, d);
  return parse_iso(iso);
}

// received/sent restrictions: `received:D`, `received:D1..D2` (both days included), `received>=D`,
// `received>D`, `received<=D`, `received<D`, `received=D`.
model::Result<NodePtr> date_term(std::string property, const std::string& op, const std::string& value) {
  auto node = std::make_unique<Search::Node>();
  node->kind = Search::Node::kDate;
  node->property = std::move(property);
  node->value = value;
  const auto bad = [&] { return make_error(ErrorCode::kInvalidArgument, "invalid date '" + value + "'"); };
  if (op == ":" || op == "=") {
    const std::size_t dots = value.find("..");
    const auto first = parse_day(value.substr(0, dots));
    const auto last = dots == std::string::npos ? first : parse_day(value.substr(dots + 2));
    if (!first || !last) return bad();
    node->from_ms = *first;
    node->until_ms = *last + kDayMs;
    return NodePtr(std::move(node));
  }
  const auto day = parse_day(value);
  if (!day) return bad();
  if (op == ">=") node->from_ms = *day;
  if (op == ">") node->from_ms = *day + kDayMs;
  if (op == "<=") node->until_ms = *day + kDayMs;
  if (op == "<") node->until_ms = *day;
  return NodePtr(std::move(node));
}

bool is_date_property(const std::string& p) { return p == "received" || p == "sent"; }

struct Token {
  std::string text;
  bool quoted = false;
  std::size_t colon = std::string::npos;  // the first unquoted ':' (property separator)
};

model::Result<std::vector<Token>> tokenize(std::string_view s) {
  std::vector<Token> out;
  std::size_t i = 0;
  while (i < s.size()) {
    const char c = s[i];
    if (c == ' ' || c == '\t') {
      ++i;
      continue;
    }
    if (c == '(' || c == ')') {
      out.push_back({std::string(1, c), false});
      ++i;
      continue;
    }
    Token t;
    while (i < s.size() && s[i] != ' ' && s[i] != '\t' && s[i] != '(' && s[i] != ')') {
      const bool escaped_quote = s[i] == '\\' && i + 1 < s.size() && s[i + 1] == '"';
      if (s[i] == '\'' || escaped_quote) {
        const std::string close = escaped_quote ? "\\\"" : "'";
        i += close.size();
        const std::size_t end = s.find(close, i);
        if (end == std::string_view::npos) return make_error(ErrorCode::kInvalidArgument, "unbalanced quote");
        t.text.append(s.substr(i, end - i));
        t.quoted = true;
        i = end + close.size();
        continue;
      }
      if (s[i] == ':' && t.colon == std::string::npos) t.colon = t.text.size();
      t.text.push_back(s[i++]);
    }
    out.push_back(std::move(t));
  }
  return out;
}

class Parser {
 public:
  explicit Parser(std::vector<Token> tokens) : tokens_(std::move(tokens)) {}

  model::Result<NodePtr> parse() {
    auto root = query();
    if (!root.ok()) return root;
    if (pos_ != tokens_.size()) return make_error(ErrorCode::kInvalidArgument, "unexpected ')'");
    return root;
  }

 private:
  bool keyword(const char* word) const {
    return pos_ < tokens_.size() && !tokens_[pos_].quoted && tokens_[pos_].text == word;
  }

  model::Result<NodePtr> query() {
    auto first = conjunction();
    if (!first.ok()) return first;
    if (!keyword("OR")) return first;
    auto node = std::make_unique<Search::Node>();
    node->kind = Search::Node::kOr;
    node->children.push_back(std::move(first).value());
    while (keyword("OR")) {
      ++pos_;
      auto next = conjunction();
      if (!next.ok()) return next;
      node->children.push_back(std::move(next).value());
    }
    return NodePtr(std::move(node));
  }

  model::Result<NodePtr> conjunction() {
    auto node = std::make_unique<Search::Node>();
    node->kind = Search::Node::kAnd;
    while (pos_ < tokens_.size() && !keyword("OR") && !keyword(")")) {
      if (keyword("AND")) {
        ++pos_;
        continue;
      }
      auto next = unary();
      if (!next.ok()) return next;
      node->children.push_back(std::move(next).value());
    }
    if (node->children.empty()) return make_error(ErrorCode::kInvalidArgument, "empty expression");
    if (node->children.size() == 1) return std::move(node->children.front());
    return NodePtr(std::move(node));
  }

  model::Result<NodePtr> unary() {
    if (keyword("NOT")) {
      ++pos_;
      auto inner = unary();
      if (!inner.ok()) return inner;
      auto node = std::make_unique<Search::Node>();
      node->kind = Search::Node::kNot;
      node->children.push_back(std::move(inner).value());
      return NodePtr(std::move(node));
    }
    if (keyword("(")) {
      ++pos_;
      auto inner = query();
      if (!inner.ok()) return inner;
      if (!keyword(")")) return make_error(ErrorCode::kInvalidArgument, "missing ')'");
      ++pos_;
      return inner;
    }
    const Token& t = tokens_[pos_++];
    auto node = std::make_unique<Search::Node>();
    const std::size_t colon = t.colon;
    if (const std::size_t op = t.text.find_first_of("<>=:"); op != std::string::npos && op > 0) {
      std::string property = lower(t.text.substr(0, op));
      if (is_date_property(property)) {
        const std::size_t len = t.text.compare(op, 2, ">=") == 0 || t.text.compare(op, 2, "<=") == 0 ? 2 : 1;
        return date_term(std::move(property), t.text.substr(op, len), lower(t.text.substr(op + len)));
      }
    }
    if (colon != std::string::npos) {
      node->property = lower(t.text.substr(0, colon));
      node->value = lower(t.text.substr(colon + 1));
      static const char* const kKnown[] = {"from",         "to",         "cc",     "bcc",
                                           "participants", "recipients", "subject"};
      bool known = false;
      for (const char* k : kKnown) known |= node->property == k;
      if (!known) return make_error(ErrorCode::kInvalidArgument, "unknown property " + node->property);
    } else {
      node->value = lower(t.text);
    }
    if (node->value.empty()) return make_error(ErrorCode::kInvalidArgument, "empty term");
    return NodePtr(std::move(node));
  }

  std::vector<Token> tokens_;
  std::size_t pos_ = 0;
};

bool any_contains(const std::vector<Recipient>& list, const std::string& value) {
  for (const Recipient& r : list) {
    if (lower(r.address).find(value) != std::string::npos || lower(r.name).find(value) != std::string::npos)
      return true;
  }
  return false;
}

bool eval(const Search::Node& n, const MessageContent& m) {
  switch (n.kind) {
    case Search::Node::kAnd:
      for (const auto& c : n.children) {
        if (!eval(*c, m)) return false;
      }
      return true;
    case Search::Node::kOr:
      for (const auto& c : n.children) {
        if (eval(*c, m)) return true;
      }
      return false;
    case Search::Node::kNot:
      return !eval(*n.children.front(), m);
    case Search::Node::kDate: {
      const std::int64_t at = n.property == "sent" ? m.sent_ms : m.received_ms;
      return at >= n.from_ms && at < n.until_ms;
    }
    case Search::Node::kTerm:
      break;
  }
  const std::string& v = n.value;
  const std::string& p = n.property;
  const bool subject = lower(m.subject).find(v) != std::string::npos;
  if (p == "from") return any_contains(m.from, v);
  if (p == "to") return any_contains(m.to, v);
  if (p == "cc") return any_contains(m.cc, v);
  if (p == "bcc") return any_contains(m.bcc, v);
  if (p == "subject") return subject;
  const bool recipients = any_contains(m.to, v) || any_contains(m.cc, v) || any_contains(m.bcc, v);
  if (p == "recipients") return recipients;
  const bool participants =
      recipients || any_contains(m.from, v) || any_contains(m.sender, v) || any_contains(m.reply_to, v);
  if (p == "participants") return participants;
  return participants || subject;
}

}  // namespace

Search::Search() = default;
Search::~Search() = default;
Search::Search(Search&&) noexcept = default;
Search& Search::operator=(Search&&) noexcept = default;

model::Result<Search> Search::parse(std::string_view value) {
  if (value.size() < 2 || value.front() != '"' || value.back() != '"') {
    return make_error(ErrorCode::kInvalidArgument, "$search must be enclosed in double quotes");
  }
  auto tokens = tokenize(value.substr(1, value.size() - 2));
  if (!tokens.ok()) return tokens.error();
  if (tokens->empty()) return make_error(ErrorCode::kInvalidArgument, "empty $search");
  auto root = Parser(std::move(tokens).value()).parse();
  if (!root.ok()) return root.error();
  Search s;
  s.root_ = std::move(root).value();
  return s;
}

bool Search::matches(const MessageContent& m) const { return root_ == nullptr || eval(*root_, m); }

}  // namespace hiresync::sandbox::microsoft
