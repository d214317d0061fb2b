#include "common/json.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>

namespace lpt {

std::string JsonQuote(std::string_view s) {
  std::string q = "\"";
  for (const char c : s) {
    const auto ch = static_cast<unsigned char>(c);
    if (ch == '"' || ch == '\\') {
      q += '\\';
      q += c;
    } else if (ch == '\n') {
      q += "\\n";
    } else if (ch == '\t') {
      q += "\\t";
    } else if (ch < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\u%04x", ch);
      q += buf;
    } else {
      q += c;
    }
  }
  return q + "\"";
}

void JsonWriter::BeforeValue() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (!first_) out_ += ',';
  first_ = false;
}

JsonWriter& JsonWriter::BeginObject() {
  BeforeValue();
  out_ += '{';
  first_ = true;
  return *this;
}

JsonWriter& JsonWriter::EndObject() {
  out_ += '}';
  first_ = false;
  return *this;
}

JsonWriter& JsonWriter::BeginArray() {
  BeforeValue();
  out_ += '[';
  first_ = true;
  return *this;
}

JsonWriter& JsonWriter::EndArray() {
  out_ += ']';
  first_ = false;
  return *this;
}

JsonWriter& JsonWriter::Key(std::string_view key) {
  BeforeValue();
  out_ += JsonQuote(key);
  out_ += ':';
  after_key_ = true;
  return *this;
}

JsonWriter& JsonWriter::Number(double v) {
  BeforeValue();
  if (!std::isfinite(v)) {
    out_ += "null";
    return *this;
  }
  char buf[40];
  std::snprintf(buf, sizeof(buf), "%.*g", digits_, v);
  out_ += buf;
  return *this;
}

JsonWriter& JsonWriter::Int(int64_t v) {
  BeforeValue();
  out_ += std::to_string(v);
  return *this;
}

JsonWriter& JsonWriter::String(std::string_view s) {
  BeforeValue();
  out_ += JsonQuote(s);
  return *this;
}

JsonWriter& JsonWriter::Bool(bool b) {
  BeforeValue();
  out_ += b ? "true" : "false";
  return *this;
}

namespace {

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  StatusOr<JsonValue> ParseDocument() {
    LPT_ASSIGN_OR_RETURN(JsonValue v, Value(0));
    Skip();
    if (at_ != text_.size()) return Error("text after the value");
    return v;
  }

 private:
  Status Error(const std::string& what) const {
    return Status::InvalidArgument("JSON at character " + std::to_string(at_) + ": " + what);
  }
  void Skip() {
    while (at_ < text_.size() &&
           (text_[at_] == ' ' || text_[at_] == '\t' || text_[at_] == '\r' || text_[at_] == '\n')) {
      ++at_;
    }
  }
  bool Eat(char c) {
    Skip();
    if (at_ < text_.size() && text_[at_] == c) {
      ++at_;
      return true;
    }
    return false;
  }
  StatusOr<std::string> String() {
    if (!Eat('"')) return Error("expected a string");
    std::string out;
    while (at_ < text_.size() && text_[at_] != '"') {
      char c = text_[at_++];
      if (c == '\\') {
        if (at_ >= text_.size()) break;
        const char e = text_[at_++];
        switch (e) {
          case 'n':
            c = '\n';
            break;
          case 't':
            c = '\t';
            break;
          case 'r':
            c = '\r';
            break;
          case 'b':
            c = '\b';
            break;
          case 'f':
            c = '\f';
            break;
          case 'u': {
            if (at_ + 4 > text_.size()) return Error("short \\u escape");
            const unsigned code =
                static_cast<unsigned>(std::stoul(std::string(text_.substr(at_, 4)), nullptr, 16));
            at_ += 4;
            if (code < 0x80) {
              c = static_cast<char>(code);
            } else {
              // UTF-8 of the code point (surrogate pairs are not joined: not needed here).
              if (code < 0x800) {
                out += static_cast<char>(0xc0 | (code >> 6));
              } else {
                out += static_cast<char>(0xe0 | (code >> 12));
                out += static_cast<char>(0x80 | ((code >> 6) & 0x3f));
              }
              c = static_cast<char>(0x80 | (code & 0x3f));
            }
            break;
          }
          default:
            c = e;
        }
      }
      out += c;
    }
    if (at_ >= text_.size()) return Error("unterminated string");
    ++at_;
    return out;
  }
  StatusOr<JsonValue> Value(int depth) {
    if (depth > 64) return Error("nested too deeply");
    Skip();
    JsonValue v;
    if (at_ >= text_.size()) return Error("expected a value");
    const char c = text_[at_];
    if (c == '{') {
      ++at_;
      v.kind = JsonValue::Kind::kObject;
      if (Eat('}')) return v;
      do {
        Skip();
        LPT_ASSIGN_OR_RETURN(std::string key, String());
        if (!Eat(':')) return Error("expected ':'");
        LPT_ASSIGN_OR_RETURN(JsonValue member, Value(depth + 1));
        v.members.emplace_back(std::move(key), std::move(member));
      } while (Eat(','));
      if (!Eat('}')) return Error("expected ',' or '}'");
      return v;
    }
    if (c == '[') {
      ++at_;
      v.kind = JsonValue::Kind::kArray;
      if (Eat(']')) return v;
      do {
        LPT_ASSIGN_OR_RETURN(JsonValue item, Value(depth + 1));
        v.items.push_back(std::move(item));
      } while (Eat(','));
      if (!Eat(']')) return Error("expected ',' or ']'");
      return v;
    }
    if (c == '"') {
      v.kind = JsonValue::Kind::kString;
      LPT_ASSIGN_OR_RETURN(v.text, String());
      return v;
    }
    for (const char* word : {"null", "true", "false"}) {
      const std::string_view w(word);
      if (text_.substr(at_, w.size()) == w) {
        at_ += w.size();
        v.kind = w == "null" ? JsonValue::Kind::kNull : JsonValue::Kind::kBool;
        v.boolean = w == "true";
        return v;
      }
    }
    const std::string rest(text_.substr(at_, 64));
    char* end = nullptr;
    v.number = std::strtod(rest.c_str(), &end);
    if (end == rest.c_str()) return Error("expected a value");
    at_ += static_cast<size_t>(end - rest.c_str());
    v.kind = JsonValue::Kind::kNumber;
    return v;
  }

  std::string_view text_;
  size_t at_ = 0;
};

}  // namespace

const JsonValue* JsonValue::Find(std::string_view key) const {
  for (const auto& [k, v] : members) {
    if (k == key) return &v;
  }
  return nullptr;
}

StatusOr<JsonValue> ParseJson(std::string_view text) { return Parser(text).ParseDocument(); }

StatusOr<std::vector<std::pair<std::string, double>>> ParseFlatJsonNumbers(std::string_view text) {
  LPT_ASSIGN_OR_RETURN(const JsonValue doc, ParseJson(text));
  if (doc.kind != JsonValue::Kind::kObject) return Status::InvalidArgument("JSON: not an object");
  std::vector<std::pair<std::string, double>> out;
  out.reserve(doc.members.size());
  for (const auto& [key, v] : doc.members) {
    if (v.kind == JsonValue::Kind::kNumber) {
      out.emplace_back(key, v.number);
    } else if (v.kind == JsonValue::Kind::kNull) {
      out.emplace_back(key, std::numeric_limits<double>::quiet_NaN());
    } else {
      return Status::InvalidArgument("JSON: member \"" + key + "\" is not a number or null");
    }
  }
  return out;
}

}  // namespace lpt
