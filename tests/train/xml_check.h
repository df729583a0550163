#pragma once
// A tiny well-formedness checker for the SVG and HTML keel writes: balanced, properly nested
// tags, quoted attributes without duplicates, valid entities, one root element. Returns an
// empty string when well-formed, else a description of the first problem and its offset.
#include <cctype>
#include <set>
#include <string>
#include <vector>

namespace keel::testing {

inline std::string xml_problem(const std::string& s) {
  std::vector<std::string> stack;
  int roots = 0;
  std::size_t i = 0;
  auto at = [&](std::size_t p) { return " at offset " + std::to_string(p); };
  auto check_entities = [&](std::size_t a, std::size_t b) -> std::string {
    for (std::size_t p = a; p < b; ++p) {
      if (s[p] == '<') return "'<' in text or attribute" + at(p);
      if (s[p] != '&') continue;
      std::size_t semi = s.find(';', p);
      if (semi == std::string::npos || semi > b) return "unterminated entity" + at(p);
      std::string name = s.substr(p + 1, semi - p - 1);
      static const std::set<std::string> known = {"amp", "lt", "gt", "quot", "apos"};
      bool numeric = name.size() > 1 && name[0] == '#';
      if (!known.count(name) && !numeric) return "unknown entity &" + name + ";" + at(p);
    }
    return {};
  };
  auto is_name = [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == ':' || c == '_';
  };
  while (i < s.size()) {
    std::size_t lt = s.find('<', i);
    std::size_t text_end = lt == std::string::npos ? s.size() : lt;
    if (auto e = check_entities(i, text_end); !e.empty()) return e;
    if (stack.empty()) {
      for (std::size_t p = i; p < text_end; ++p)
        if (!std::isspace(static_cast<unsigned char>(s[p]))) return "text outside the root element" + at(p);
    }
    if (lt == std::string::npos) break;
    if (s.compare(lt, 4, "<!--") == 0) {
      std::size_t end = s.find("-->", lt);
      if (end == std::string::npos) return "unterminated comment" + at(lt);
      i = end + 3;
      continue;
    }
    if (s.compare(lt, 2, "<!") == 0 || s.compare(lt, 2, "<?") == 0) {  // doctype, declaration
      if (roots > 0 || !stack.empty()) return "declaration inside the document" + at(lt);
      std::size_t end = s.find('>', lt);
      if (end == std::string::npos) return "unterminated declaration" + at(lt);
      i = end + 1;
      continue;
    }
    std::size_t p = lt + 1;
    bool closing = p < s.size() && s[p] == '/';
    if (closing) ++p;
    std::size_t name_start = p;
    while (p < s.size() && is_name(s[p])) ++p;
    std::string name = s.substr(name_start, p - name_start);
    if (name.empty()) return "tag without a name" + at(lt);
    if (closing) {
      while (p < s.size() && std::isspace(static_cast<unsigned char>(s[p]))) ++p;
      if (p >= s.size() || s[p] != '>') return "malformed closing tag </" + name + at(lt);
      if (stack.empty() || stack.back() != name)
        return "closing </" + name + "> does not match <" + (stack.empty() ? "" : stack.back()) + ">" +
               at(lt);
      stack.pop_back();
      i = p + 1;
      continue;
    }
    std::set<std::string> attrs;
    bool self_closing = false;
    while (true) {
      std::size_t ws = p;
      while (p < s.size() && std::isspace(static_cast<unsigned char>(s[p]))) ++p;
      if (p >= s.size()) return "unterminated tag <" + name + at(lt);
      if (s[p] == '>') break;
      if (s[p] == '/') {
        if (p + 1 >= s.size() || s[p + 1] != '>') return "stray '/' in <" + name + at(p);
        self_closing = true;
        ++p;
        break;
      }
      if (ws == p) return "attributes not separated by space in <" + name + at(p);
      std::size_t an = p;
      while (p < s.size() && is_name(s[p])) ++p;
      std::string attr = s.substr(an, p - an);
      if (attr.empty()) return "bad character in <" + name + at(p);
      if (!attrs.insert(attr).second) return "duplicate attribute " + attr + at(an);
      if (p >= s.size() || s[p] != '=') return "attribute " + attr + " without a value" + at(p);
      ++p;
      if (p >= s.size() || (s[p] != '"' && s[p] != '\'')) return "unquoted attribute " + attr + at(p);
      char q = s[p];
      std::size_t close = s.find(q, p + 1);
      if (close == std::string::npos) return "unterminated attribute " + attr + at(p);
      if (auto e = check_entities(p + 1, close); !e.empty()) return e;
      p = close + 1;
    }
    if (stack.empty()) {
      if (++roots > 1) return "second root element <" + name + ">" + at(lt);
    }
    if (!self_closing) stack.push_back(name);
    i = p + 1;
  }
  if (!stack.empty()) return "unclosed <" + stack.back() + ">";
  if (roots != 1) return "no root element";
  return {};
}

}  // namespace keel::testing
