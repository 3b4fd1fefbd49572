#include "sandbox/google/query.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <utility>

namespace hiresync::sandbox::google {

using model::ErrorCode;
using model::make_error;

struct Query::Node {
  enum class Kind { kAnd, kOr, kNot, kTerm };
  Kind kind = Kind::kTerm;
  std::vector<std::unique_ptr<Node>> children;
  std::string field;  // lower case; empty for a bare word
  std::string value;  // lower case
  std::int64_t seconds = 0;
};

namespace {

using Node = Query::Node;
using NodePtr = std::unique_ptr<Node>;

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

bool contains(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

bool any_contains(const std::vector<std::string>& list, std::string_view needle) {
  return std::any_of(list.begin(), list.end(), [&](const std::string& s) { return contains(s, needle); });
}

std::string strip_brackets(std::string_view id) {
  while (!id.empty() && (id.front() == '<' || id.front() == ' ')) id.remove_prefix(1);
  while (!id.empty() && (id.back() == '>' || id.back() == ' ')) id.remove_suffix(1);
  return std::string(id);
}

struct Token {
  enum class Kind { kWord, kLParen, kRParen, kLBrace, kRBrace, kOr, kMinus };
  Kind kind = Kind::kWord;
  std::string field;
  std::string value;
  bool field_group = false;  // `field:(` : the '(' follows as its own token
};

bool is_special(char c) { return c == '(' || c == ')' || c == '{' || c == '}' || c == '"'; }

bool is_field_name(std::string_view s) {
  return !s.empty() &&
         std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isalnum(c) || c == '_'; });
}

model::Result<std::vector<Token>> tokenize(std::string_view q) {
  std::vector<Token> out;
  std::size_t i = 0;
  auto read_quoted = [&](std::string& value) -> bool {  // at '"'
    const std::size_t end = q.find('"', i + 1);
    if (end == std::string_view::npos) return false;
    value = std::string(q.substr(i + 1, end - i - 1));
    i = end + 1;
    return true;
  };
  while (i < q.size()) {
    const char c = q[i];
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
      continue;
    }
    Token t;
    if (c == '(' || c == ')' || c == '{' || c == '}') {
      t.kind = c == '('   ? Token::Kind::kLParen
               : c == ')' ? Token::Kind::kRParen
               : c == '{' ? Token::Kind::kLBrace
                          : Token::Kind::kRBrace;
      ++i;
      out.push_back(std::move(t));
      continue;
    }
    if (c == '-' && i + 1 < q.size() && !std::isspace(static_cast<unsigned char>(q[i + 1]))) {
      t.kind = Token::Kind::kMinus;
      ++i;
      out.push_back(std::move(t));
      continue;
    }
    if (c == '"') {
      if (!read_quoted(t.value)) return make_error(ErrorCode::kInvalidArgument, "unterminated quote in q");
      out.push_back(std::move(t));
      continue;
    }
    std::size_t end = i;
    while (end < q.size() && !std::isspace(static_cast<unsigned char>(q[end])) && !is_special(q[end])) ++end;
    const std::string_view word = q.substr(i, end - i);
    i = end;
    const std::size_t colon = word.find(':');
    if (colon != std::string_view::npos && colon > 0 && is_field_name(word.substr(0, colon))) {
      t.field = lower(word.substr(0, colon));
      t.value = std::string(word.substr(colon + 1));
      if (t.value.empty() && i < q.size() && q[i] == '"') {
        if (!read_quoted(t.value)) return make_error(ErrorCode::kInvalidArgument, "unterminated quote in q");
      } else if (t.value.empty() && i < q.size() && q[i] == '(') {
        t.field_group = true;
      }
    } else if (word == "OR") {
      t.kind = Token::Kind::kOr;
    } else if (word == "AND") {
      continue;  // AND is the implicit operator
    } else {
      t.value = std::string(word);
    }
    out.push_back(std::move(t));
  }
  return out;
}

class Parser {
 public:
  explicit Parser(std::vector<Token> tokens) : tokens_(std::move(tokens)) {}

  model::Result<NodePtr> parse_all() {
    auto node = parse_sequence("");
    if (!node.ok()) return node;
    if (pos_ != tokens_.size()) return make_error(ErrorCode::kInvalidArgument, "unbalanced ')' or '}' in q");
    return node;
  }

 private:
  const Token* peek() const { return pos_ < tokens_.size() ? &tokens_[pos_] : nullptr; }

  static bool ends_sequence(const Token* t) {
    return t == nullptr || t->kind == Token::Kind::kRParen || t->kind == Token::Kind::kRBrace;
  }

  // Implicit AND of or-expressions until ')' '}' or the end.
  model::Result<NodePtr> parse_sequence(const std::string& default_field) {
    auto node = std::make_unique<Node>();
    node->kind = Node::Kind::kAnd;
    while (!ends_sequence(peek())) {
      auto child = parse_or(default_field);
      if (!child.ok()) return child;
      node->children.push_back(std::move(child).value());
    }
    return node;
  }

  model::Result<NodePtr> parse_or(const std::string& default_field) {
    auto first = parse_unary(default_field);
    if (!first.ok()) return first;
    if (peek() == nullptr || peek()->kind != Token::Kind::kOr) return first;
    auto node = std::make_unique<Node>();
    node->kind = Node::Kind::kOr;
    node->children.push_back(std::move(first).value());
    while (peek() != nullptr && peek()->kind == Token::Kind::kOr) {
      ++pos_;
      auto next = parse_unary(default_field);
      if (!next.ok()) return next;
      node->children.push_back(std::move(next).value());
    }
    return node;
  }

  model::Result<NodePtr> expect_close(Token::Kind kind, NodePtr node) {
    if (peek() == nullptr || peek()->kind != kind) {
      return make_error(ErrorCode::kInvalidArgument, "unbalanced '(' or '{' in q");
    }
    ++pos_;
    return node;
  }

  model::Result<NodePtr> parse_unary(const std::string& default_field) {
    const Token* t = peek();
    if (t == nullptr) return make_error(ErrorCode::kInvalidArgument, "q ends after an operator");
    switch (t->kind) {
      case Token::Kind::kMinus: {
        ++pos_;
        auto inner = parse_unary(default_field);
        if (!inner.ok()) return inner;
        auto node = std::make_unique<Node>();
        node->kind = Node::Kind::kNot;
        node->children.push_back(std::move(inner).value());
        return node;
      }
      case Token::Kind::kLParen: {
        ++pos_;
        auto inner = parse_sequence(default_field);
        if (!inner.ok()) return inner;
        return expect_close(Token::Kind::kRParen, std::move(inner).value());
      }
      case Token::Kind::kLBrace: {
        ++pos_;
        auto node = std::make_unique<Node>();
        node->kind = Node::Kind::kOr;
        while (!ends_sequence(peek())) {
          auto child = parse_unary(default_field);
          if (!child.ok()) return child;
          node->children.push_back(std::move(child).value());
        }
        return expect_close(Token::Kind::kRBrace, std::move(node));
      }
      case Token::Kind::kWord: {
        const Token word = *t;
        ++pos_;
        if (word.field_group) {
          ++pos_;  // the '(' the tokenizer saw right after "field:"
          auto inner = parse_sequence(word.field);
          if (!inner.ok()) return inner;
          return expect_close(Token::Kind::kRParen, std::move(inner).value());
        }
        return make_term(word.field.empty() ? default_field : word.field, word.value);
      }
      default:
        return make_error(ErrorCode::kInvalidArgument, "unexpected operator in q");
    }
  }

  static model::Result<NodePtr> make_term(const std::string& field, const std::string& value) {
    auto node = std::make_unique<Node>();
    node->field = field;
    node->value = lower(value);
    if (field == "after" || field == "before") {
      auto seconds = parse_search_date(value);
      if (!seconds.ok()) return seconds.error();
      node->seconds = *seconds;
    } else if (field == "rfc822msgid") {
      node->value = lower(strip_brackets(value));
    } else if (!field.empty() && field != "from" && field != "to" && field != "cc" && field != "bcc" &&
               field != "subject" && field != "in" && field != "label") {
      node->value = lower(field + ":" + value);  // unknown operator: search it as text
      node->field.clear();
    }
    return node;
  }

  std::vector<Token> tokens_;
  std::size_t pos_ = 0;
};

bool has_label(const std::vector<std::string>& labels, std::string_view wanted) {
  if (wanted == "anywhere") return true;
  if (wanted == "drafts") wanted = "draft";  // Gmail accepts in:draft and in:drafts
  if (wanted == "chats") wanted = "chat";
  return std::any_of(labels.begin(), labels.end(), [&](const std::string& l) { return lower(l) == wanted; });
}

bool eval(const Node& n, const SearchableMessage& m) {
  switch (n.kind) {
    case Node::Kind::kAnd:
      return std::all_of(n.children.begin(), n.children.end(), [&](const NodePtr& c) { return eval(*c, m); });
    case Node::Kind::kOr:
      return std::any_of(n.children.begin(), n.children.end(), [&](const NodePtr& c) { return eval(*c, m); });
    case Node::Kind::kNot:
      return !eval(*n.children.front(), m);
    case Node::Kind::kTerm:
      break;
  }
  const std::string& f = n.field;
  if (f == "from") return any_contains(m.from, n.value);
  if (f == "to") return any_contains(m.to, n.value);
  if (f == "cc") return any_contains(m.cc, n.value);
  if (f == "bcc") return any_contains(m.bcc, n.value);
  if (f == "after") return m.internal_date_ms >= n.seconds * 1000;
  if (f == "before") return m.internal_date_ms < n.seconds * 1000;
  if (f == "rfc822msgid") return lower(m.message_id) == n.value;
  if (f == "subject") return contains(lower(m.subject), n.value);
  if (f == "in" || f == "label") return has_label(m.labels, n.value);
  return contains(lower(m.subject), n.value) || contains(lower(m.snippet), n.value) ||
         any_contains(m.from, n.value) || any_contains(m.to, n.value) || any_contains(m.cc, n.value) ||
         any_contains(m.bcc, n.value);
}

}  // namespace

Query::Query() = default;
Query::~Query() = default;
Query::Query(Query&&) noexcept = default;
Query& Query::operator=(Query&&) noexcept = default;

model::Result<Query> Query::parse(std::string_view q) {
  auto tokens = tokenize(q);
  if (!tokens.ok()) return tokens.error();
  Parser parser(std::move(tokens).value());
  auto root = parser.parse_all();
  if (!root.ok()) return root.error();
  Query query;
  if (!(*root)->children.empty()) query.root_ = std::move(root).value();
  return query;
}

bool Query::matches(const SearchableMessage& m) const { return root_ == nullptr || eval(*root_, m); }

model::Result<std::int64_t> parse_search_date(std::string_view value) {
  if (!value.empty() &&
      std::all_of(value.begin(), value.end(), [](unsigned char c) { return std::isdigit(c); })) {
    if (value.size() > 15) return make_error(ErrorCode::kInvalidArgument, "date out of range");
    return std::stoll(std::string(value));
  }
  int y = 0;
  unsigned mo = 0;
  unsigned d = 0;
  std::size_t i = 0;
  auto number = [&](auto& out, std::size_t max_digits) {
    std::size_t n = 0;
    out = 0;
    while (i < value.size() && n < max_digits && std::isdigit(static_cast<unsigned char>(value[i]))) {
      out = out * 10 + (value[i] - '0');
      ++i;
      ++n;
    }
    return n > 0;
  };
  auto separator = [&] {
    if (i < value.size() && (value[i] == '/' || value[i] == '-')) {
      ++i;
      return true;
    }
    return false;
  };
  if (!number(y, 4) || !separator() || !number(mo, 2) || !separator() || !number(d, 2) || i != value.size()) {
    return make_error(ErrorCode::kInvalidArgument, "bad date in q: " + std::string(value));
  }
  const std::chrono::year_month_day ymd{std::chrono::year{y}, std::chrono::month{mo}, std::chrono::day{d}};
  if (!ymd.ok()) return make_error(ErrorCode::kInvalidArgument, "bad date in q: " + std::string(value));
  return std::chrono::sys_days{ymd}.time_since_epoch().count() * 86400LL;
}

}  // namespace hiresync::sandbox::google
