#pragma once
// The [claim] table of a `keel compare` config: a statement and the expectations that decide
// whether the runs reproduce it. After every variant has trained, each expectation reduces a
// metric over a group of variants (names or globs such as "bn_*") and compares it with another
// group's or with a number; the claim is reproduced when every expectation holds.
//
//   [claim]
//   statement = "batch norm reaches 85% validation accuracy in fewer epochs"
//   [[claim.expect]]
//   metric = "epochs_to_val_acc"   # see kClaimMetrics
//   target = 0.85                  # epochs_to_val_acc only
//   of = "bn_*"                    # a name, a glob, or a list of them
//   aggregate = "mean"             # mean (default), min, max, spread (max - min), std
//   is = "less"                    # less or greater
//   than = "none_*"                # another group (aggregated the same way) ...
//   # value = 3                    # ... or a number (accuracies as fractions)
//   by = 0.0                       # margin: of < than - by, or of > than + by
#include <optional>
#include <string>
#include <vector>

#include "keel/train/metrics.h"

namespace keel::train {

struct ClaimExpectation {
  std::string metric;  // one of kClaimMetrics
  double target = 0;   // epochs_to_val_acc: the validation accuracy to reach (fraction)
  std::vector<std::string> of;
  std::string aggregate = "mean";
  std::string is;                 // "less" or "greater"
  std::vector<std::string> than;  // empty when `value` is given
  std::optional<double> value;
  double by = 0.0;
  std::string where;  // file:line, for messages
};

struct Claim {
  std::string statement;
  std::vector<ClaimExpectation> expect;
};

// best_val_acc, final_val_acc, final_train_acc, test_acc (fractions), final_train_loss,
// final_val_loss, epochs_to_val_acc (the first epoch whose validation accuracy reaches
// `target`; infinite when none does).
extern const std::vector<std::string> kClaimMetrics;

// Reads the optional [claim] table of a TOML config. Unknown keys, missing or mistyped values and
// invalid choices throw keel::Error naming the file, the line and the key.
std::optional<Claim> read_claim_toml(const std::string& text, const std::string& source_name);
std::optional<Claim> read_claim_file(const std::string& path);

// Every pattern must match at least one variant, and spread/std need two or more variants.
void check_claim_variants(const Claim& claim, const std::vector<std::string>& variant_names);

// What a claim is judged on, per variant.
struct ClaimRun {
  std::string name;
  MetricsLog log;
  double test_acc = EpochMetrics::kMissing;
  bool diverged = false;  // stopped on a non-finite loss
};

struct ClaimVerdict {
  bool reproduced = false;
  std::vector<std::string> checks;  // one line per expectation, with its numbers
  std::vector<bool> held;           // per expectation
  std::string line() const;         // "verdict: reproduced — <numbers>"
};

// A diverged variant's test and final metrics count as the worst value (accuracy 0, loss and
// epochs infinite), and the check's text says so.
ClaimVerdict evaluate_claim(const Claim& claim, const std::vector<ClaimRun>& runs);

}  // namespace keel::train
