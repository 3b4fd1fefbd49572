#include "sandbox/microsoft/search.hpp"

#include <vector>

#include "sandbox/microsoft/format.hpp"

namespace hiresync::sandbox::microsoft {

struct Search::Node {
  enum Kind { kAnd, kOr, kNot, kTerm } kind = kTerm;
  std::vector<std::unique_ptr<Node>> children;
  std::string property, value;  // kTerm; value lower case
};

namespace {

using NodePtr = std::unique_ptr<Search::Node>;
using model::ErrorCode;
using model::make_error;

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
