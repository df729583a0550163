// `keel compare` with a [claim]: tiny runs whose verdict is known (one claim that holds, one that
// does not), the verdict line in the text summary and report.html, and a claim naming no
// variant refused before anything trains.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "io/temp_dir.h"
#include "keel/data/mnist.h"
#include "support/cli_runner.h"
#include "support/fashion_mnist.h"

#ifndef KEEL_CLI_PATH
#error "KEEL_CLI_PATH must name the keel executable"
#endif

namespace keel {
namespace {

namespace fs = std::filesystem;
using testing::have_fashion_mnist;
using testing::TempDir;

using testing::keel;
using testing::Outcome;
using testing::slurp;

// Two tiny MLP variants (one with 1 hidden unit, one with 32) on 256 images, test images
// jittered; `expect` is the [[claim.expect]] body.
std::string config(const std::string& expect) {
  return "[data]\ntrain_subset = 256\nval_fraction = 0.01\ntest_subset = 200\n"
         "test_jitter = {contrast = [0.5, 1.5], brightness = [-0.2, 0.2]}\n"
         "[model]\nhidden = [32]\n[train]\nepochs = 2\nbatch_size = 64\nthreads = 2\n"
         "[[variant]]\nname = \"narrow\"\nmodel.hidden = [1]\nmodel.norm = \"none\"\n"
         "[[variant]]\nname = \"wide\"\nmodel.order = \"dropout_norm\"\n"
         "[claim]\nstatement = \"a wider net learns more\"\n[[claim.expect]]\n" +
         expect;
}

TEST(CompareClaimCli, ReportsReproducedAndNotReproduced) {
  if (!have_fashion_mnist()) GTEST_SKIP() << "Fashion-MNIST is not installed";
  TempDir tmp;
  // 32 hidden units beat 1 on 256 images after two epochs; 1 unit cannot reach 99%.
  testing::write_text(tmp.file("holds.toml"),
                      config("metric = \"best_val_acc\"\nof = \"wide\"\nis = \"greater\"\nthan = \"narrow\"\n"
                             "[[claim.expect]]\nmetric = \"test_acc\"\nof = \"narrow\"\nis = \"less\"\n"
                             "value = 0.99\n"));
  Outcome r = keel("compare holds.toml", tmp);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("claim: a wider net learns more"), std::string::npos) << r.out;
  const auto verdict = r.out.find("\nverdict: reproduced \u2014 best_val_acc: wide ");
  ASSERT_NE(verdict, std::string::npos) << r.out;
  EXPECT_EQ(r.out.find('\n', verdict + 1), r.out.size() - 1) << "the verdict is the last line:\n" << r.out;
  const std::string html = slurp(tmp.path() / "runs" / "holds" / "report.html");
  EXPECT_NE(html.find("verdict: reproduced \u2014"), std::string::npos);

  testing::write_text(tmp.file("fails.toml"),
                      config("metric = \"best_val_acc\"\nof = \"wide\"\nis = \"less\"\nthan = \"narrow\"\n"));
  r = keel("compare fails.toml", tmp);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("\nverdict: not reproduced \u2014 best_val_acc: wide "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("(fails)"), std::string::npos) << r.out;
  EXPECT_NE(slurp(tmp.path() / "runs" / "fails" / "report.html").find("verdict: not reproduced"),
            std::string::npos);
}

TEST(CompareClaimCli, RefusesABadClaimBeforeTraining) {
  TempDir tmp;
  testing::write_text(tmp.file("bad.toml"),
                      config("metric = \"best_val_acc\"\nof = \"bn_*\"\nis = \"less\"\nvalue = 0.5\n"));
  Outcome r = keel("compare bad.toml", tmp);
  EXPECT_NE(r.code, 0);
  EXPECT_EQ(r.err.rfind("keel: error: bad.toml:", 0), 0u) << r.err;
  EXPECT_NE(r.err.find("'bn_*' matches no [[variant]] (variants: narrow, wide)"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(tmp.path() / "runs" / "bad" / "narrow"));
  // A variant whose model cannot be built is refused before the others train, too.
  testing::write_text(tmp.file("inst.toml"),
                      "[[variant]]\nname = \"a\"\n[[variant]]\nname = \"b\"\nmodel.norm = \"instance\"\n");
  r = keel("compare inst.toml", tmp);
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.err.find("model.norm = instance"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(tmp.path() / "runs" / "inst" / "a"));
}

}  // namespace
}  // namespace keel
