#include "keel/train/claim.h"

#include <toml++/toml.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <numeric>
#include <sstream>

#include "keel/core/error.h"
#include "keel/core/nearest.h"
#include "text_format.h"

namespace keel::train {

const std::vector<std::string> kClaimMetrics = {"best_val_acc",     "final_val_acc",    "final_train_acc",
                                                "test_acc",         "final_train_loss", "final_val_loss",
                                                "epochs_to_val_acc"};

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

const std::vector<std::string> kAggregates = {"mean", "min", "max", "spread", "std"};
const std::vector<std::string> kClaimKeys = {"statement", "expect"};
const std::vector<std::string> kExpectKeys = {"metric", "target", "of",    "aggregate",
                                              "is",     "than",   "value", "by"};

std::string where_of(const std::string& source, const toml::node& n) {
  return source + ":" + std::to_string(n.source().begin.line);
}

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : ", ") + s;
  return out;
}

void check_keys(const toml::table& t, const std::vector<std::string>& allowed, const std::string& table,
                const std::string& source) {
  for (const auto& [k, v] : t) {
    const std::string key(k.str());
    if (std::find(allowed.begin(), allowed.end(), key) != allowed.end()) continue;
    std::string best = allowed.front();
    for (const auto& a : allowed)
      if (edit_distance(key, a) < edit_distance(key, best)) best = a;
    keel::detail::fail(where_of(source, v), ": unknown key '", key, "' in ", table, "; did you mean '", best,
                       "'? (keys: ", joined(allowed), ")");
  }
}

std::string string_of(const toml::node& n, const std::string& key, const std::string& source) {
  KEEL_CHECK(n.is_string(), where_of(source, n), ": ", key, " must be a string");
  return n.as_string()->get();
}

double number_of(const toml::node& n, const std::string& key, const std::string& source) {
  KEEL_CHECK(n.is_integer() || n.is_floating_point(), where_of(source, n), ": ", key, " must be a number");
  const double v = n.is_integer() ? static_cast<double>(n.as_integer()->get()) : n.as_floating_point()->get();
  KEEL_CHECK(std::isfinite(v), where_of(source, n), ": ", key, " must be finite");
  return v;
}

std::string choice_of(const toml::node& n, const std::string& key, const std::vector<std::string>& choices,
                      const std::string& source) {
  std::string v = string_of(n, key, source);
  KEEL_CHECK(std::find(choices.begin(), choices.end(), v) != choices.end(), where_of(source, n), ": ", key,
             " = \"", v, "\" is not one of ", joined(choices));
  return v;
}

// A group: one name or glob, or a non-empty list of them.
std::vector<std::string> group_of(const toml::node& n, const std::string& key, const std::string& source) {
  std::vector<std::string> out;
  if (n.is_string()) {
    out.push_back(n.as_string()->get());
  } else if (auto a = n.as_array()) {
    for (const auto& e : *a) out.push_back(string_of(e, key + " entries", source));
  } else {
    keel::detail::fail(where_of(source, n), ": ", key,
                       " must be a variant name, a glob such as \"bn_*\", or a list "
                       "of them");
  }
  KEEL_CHECK(!out.empty(), where_of(source, n), ": ", key, " names no variant");
  for (const auto& p : out) KEEL_CHECK(!p.empty(), where_of(source, n), ": ", key, " has an empty name");
  return out;
}

ClaimExpectation expectation_of(const toml::table& t, const std::string& where, const std::string& source) {
  check_keys(t, kExpectKeys, "[[claim.expect]]", source);
  ClaimExpectation e;
  e.where = where;
  auto need = [&](const char* key) -> const toml::node& {
    const toml::node* n = t.get(key);
    KEEL_CHECK(n != nullptr, where, ": [[claim.expect]] needs '", key, "'");
    return *n;
  };
  e.metric = choice_of(need("metric"), "metric", kClaimMetrics, source);
  if (const toml::node* n = t.get("target")) {
    KEEL_CHECK(e.metric == "epochs_to_val_acc", where_of(source, *n),
               ": target applies only to metric = "
               "\"epochs_to_val_acc\"");
    e.target = number_of(*n, "target", source);
    KEEL_CHECK(e.target > 0 && e.target <= 1, where_of(source, *n),
               ": target is a validation accuracy, a "
               "fraction in (0, 1]; got ",
               detail::round_trip(e.target));
  } else {
    KEEL_CHECK(e.metric != "epochs_to_val_acc", where,
               ": metric = \"epochs_to_val_acc\" needs target (the "
               "validation accuracy to reach, e.g. 0.85)");
  }
  e.of = group_of(need("of"), "of", source);
  if (const toml::node* n = t.get("aggregate")) e.aggregate = choice_of(*n, "aggregate", kAggregates, source);
  e.is = choice_of(need("is"), "is", {"less", "greater"}, source);
  const toml::node* than = t.get("than");
  const toml::node* value = t.get("value");
  KEEL_CHECK((than != nullptr) != (value != nullptr), where, ": [[claim.expect]] compares with either ",
             "'than' (another group of variants) or 'value' (a number); give exactly one");
  if (than) e.than = group_of(*than, "than", source);
  if (value) e.value = number_of(*value, "value", source);
  if (const toml::node* n = t.get("by")) {
    e.by = number_of(*n, "by", source);
    KEEL_CHECK(e.by >= 0, where_of(source, *n), ": by is a margin and must not be negative");
  }
  return e;
}

bool glob_match(const char* p, const char* s) {
  if (*p == '\0') return *s == '\0';
  if (*p == '*') return glob_match(p + 1, s) || (*s != '\0' && glob_match(p, s + 1));
  return *p == *s && glob_match(p + 1, s + 1);
}

template <class T>
std::vector<const T*> members(const std::vector<std::string>& patterns, const std::vector<T>& items,
                              const std::string& (*name)(const T&)) {
  std::vector<const T*> out;
  for (const auto& it : items)
    for (const auto& p : patterns)
      if (glob_match(p.c_str(), name(it).c_str())) {
        out.push_back(&it);
        break;
      }
  return out;
}

const std::string& run_name(const ClaimRun& r) { return r.name; }
const std::string& plain_name(const std::string& s) { return s; }

bool is_accuracy(const std::string& metric) {
  return metric.find("acc") != std::string::npos && metric != "epochs_to_val_acc";
}

// The metric of one run; `note` is set when divergence decided it.
double metric_of(const ClaimExpectation& e, const ClaimRun& r, bool& worst) {
  const RunSummary s = summarize(r.log);
  worst = false;
  const double bad = is_accuracy(e.metric) ? 0.0 : kInf;
  auto final_or_worst = [&](double v) {
    if (r.diverged || !std::isfinite(v)) {
      worst = true;
      return bad;
    }
    return v;
  };
  if (e.metric == "best_val_acc") return std::isfinite(s.best_val_acc) ? s.best_val_acc : (worst = true, bad);
  if (e.metric == "final_val_acc") return final_or_worst(s.final_val_acc);
  if (e.metric == "final_train_acc") return final_or_worst(s.final_train_acc);
  if (e.metric == "final_train_loss") return final_or_worst(s.final_train_loss);
  if (e.metric == "final_val_loss") return final_or_worst(s.final_val_loss);
  if (e.metric == "test_acc") return final_or_worst(r.test_acc);
  // epochs_to_val_acc: epochs reached before a divergence count.
  for (const auto& m : r.log)
    if (std::isfinite(m.val_acc) && m.val_acc >= e.target) return m.epoch;
  return kInf;
}

double reduce(const std::string& how, const std::vector<double>& v) {
  const auto [lo, hi] = std::minmax_element(v.begin(), v.end());
  if (how == "min") return *lo;
  if (how == "max") return *hi;
  if (how == "spread") return *hi - *lo;
  const double mean = std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
  if (how == "mean") return mean;
  double ss = 0;  // population std over the group: the variants are the whole group
  for (double x : v) ss += (x - mean) * (x - mean);
  return std::sqrt(ss / static_cast<double>(v.size()));
}

// A metric value as people read it: accuracies in percent (their spread in points), epochs as
// counts, losses with 3 decimals.
std::string shown(const ClaimExpectation& e, double v, bool difference) {
  if (std::isinf(v) && e.metric == "epochs_to_val_acc") return "never";
  if (is_accuracy(e.metric)) return difference ? detail::fixed(v * 100, 1) + " pts" : detail::percent(v);
  if (e.metric == "epochs_to_val_acc") return detail::fixed(v, v == std::floor(v) ? 0 : 1);
  return detail::value3(v);
}

std::string metric_text(const ClaimExpectation& e) {
  if (e.metric == "epochs_to_val_acc") return "epochs to " + detail::percent(e.target) + " val acc";
  return e.metric;
}

struct Side {
  double value = 0;
  std::string text;
};

Side side(const ClaimExpectation& e, const std::vector<std::string>& patterns,
          const std::vector<ClaimRun>& runs) {
  const auto group = members<ClaimRun>(patterns, runs, run_name);
  KEEL_CHECK(!group.empty(), e.where, ": no variant matches ", joined(patterns));
  std::vector<double> values;
  std::string each;
  for (const ClaimRun* r : group) {
    bool worst = false;
    values.push_back(metric_of(e, *r, worst));
    each += (each.empty() ? "" : ", ") + r->name + " " + shown(e, values.back(), false) +
            (worst ? " (diverged)" : "");
  }
  Side out;
  out.value = reduce(e.aggregate, values);
  const bool single = group.size() == 1 && e.aggregate != "spread" && e.aggregate != "std";
  const bool difference = e.aggregate == "spread" || e.aggregate == "std";
  out.text = single ? each : e.aggregate + " " + shown(e, out.value, difference) + " [" + each + "]";
  return out;
}

}  // namespace

std::optional<Claim> read_claim_toml(const std::string& text, const std::string& source) {
  toml::table root;
  try {
    root = toml::parse(text, source);
  } catch (const toml::parse_error& e) {
    keel::detail::fail(source, ":", e.source().begin.line, ": malformed TOML: ", e.description());
  }
  const toml::node* node = root.get("claim");
  if (node == nullptr) return std::nullopt;
  const toml::table* t = node->as_table();
  KEEL_CHECK(t != nullptr, where_of(source, *node), ": 'claim' must be a table ([claim])");
  check_keys(*t, kClaimKeys, "[claim]", source);
  Claim c;
  const toml::node* statement = t->get("statement");
  KEEL_CHECK(statement != nullptr, where_of(source, *node),
             ": [claim] needs a statement (what the runs test)");
  c.statement = string_of(*statement, "statement", source);
  KEEL_CHECK(!c.statement.empty(), where_of(source, *statement), ": statement is empty");
  const toml::node* expect = t->get("expect");
  KEEL_CHECK(expect != nullptr && expect->is_array() && !expect->as_array()->empty(), where_of(source, *node),
             ": [claim] needs one or more [[claim.expect]] tables (the rules that decide the verdict)");
  for (const auto& item : *expect->as_array()) {
    const toml::table* et = item.as_table();
    KEEL_CHECK(et != nullptr, where_of(source, item),
               ": each claim.expect must be a table ([[claim.expect]])");
    c.expect.push_back(expectation_of(*et, where_of(source, item), source));
  }
  return c;
}

std::optional<Claim> read_claim_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  KEEL_CHECK(in.good(), "config: cannot open '", path, "' for reading");
  std::stringstream ss;
  ss << in.rdbuf();
  return read_claim_toml(ss.str(), path);
}

void check_claim_variants(const Claim& claim, const std::vector<std::string>& names) {
  for (const auto& e : claim.expect) {
    for (const auto* group : {&e.of, &e.than}) {
      if (group->empty()) continue;
      for (const auto& p : *group)
        KEEL_CHECK(!members<std::string>({p}, names, plain_name).empty(), e.where, ": '", p,
                   "' matches no [[variant]] (variants: ", joined(names), ")");
      if (e.aggregate == "spread" || e.aggregate == "std")
        KEEL_CHECK(members<std::string>(*group, names, plain_name).size() >= 2, e.where,
                   ": aggregate = ", e.aggregate, " over ", joined(*group), " needs two or more variants");
    }
  }
}

ClaimVerdict evaluate_claim(const Claim& claim, const std::vector<ClaimRun>& runs) {
  ClaimVerdict v;
  v.reproduced = true;
  for (const auto& e : claim.expect) {
    const Side a = side(e, e.of, runs);
    Side b;
    if (e.value) {
      b.value = *e.value;
      b.text = shown(e, b.value, e.aggregate == "spread" || e.aggregate == "std");
    } else {
      b = side(e, e.than, runs);
    }
    const bool held = e.is == "less" ? a.value < b.value - e.by : a.value > b.value + e.by;
    std::string margin;
    if (e.by > 0) margin = (e.is == "less" ? " - " : " + ") + shown(e, e.by, true);
    v.checks.push_back(metric_text(e) + ": " + a.text + (e.is == "less" ? " < " : " > ") + b.text + margin +
                       (held ? " (holds)" : " (fails)"));
    v.held.push_back(held);
    v.reproduced = v.reproduced && held;
  }
  return v;
}

std::string ClaimVerdict::line() const {
  std::string numbers;
  for (const auto& c : checks) numbers += (numbers.empty() ? "" : "; ") + c;
  return std::string("verdict: ") + (reproduced ? "reproduced" : "not reproduced") + " \u2014 " + numbers;
}

}  // namespace keel::train
