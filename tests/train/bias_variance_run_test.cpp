// run_bias_variance's sharing of the models between ranks, in one process: a scripted
// two-rank group runs rank 1 (which trains models 1, 3, 5 and writes nothing) and then rank 0
// (models 0, 2, 4, which gets rank 1's probabilities through allgather_bytes), and rank 0's
// decomposition must equal the one-process run's.
#include "keel/train/bias_variance_run.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "keel/dist/process_group.h"
#include "support/text_file.h"
#include "train/train_test_util.h"

namespace keel::train {
namespace {

using keel::testing::slurp;

namespace fs = std::filesystem;

// Rank `rank` of 2: the other rank's gathered bytes are `other`; this rank's are kept in `sent`.
class ScriptedGroup final : public dist::ProcessGroup {
 public:
  ScriptedGroup(int rank, std::string other) : rank_(rank), other_(std::move(other)) {}
  int rank() const override { return rank_; }
  int size() const override { return 2; }
  std::string backend() const override { return "scripted"; }
  void allreduce(Tensor&, dist::ReduceOp) override {}
  std::shared_ptr<dist::Work> allreduce_async(Tensor&, dist::ReduceOp) override { return nullptr; }
  std::vector<Tensor> allgather(const Tensor& t) override { return {t, t}; }
  void broadcast(Tensor&, int) override {}
  void barrier() override {}
  std::vector<std::string> allgather_bytes(const std::string& bytes) override {
    sent = bytes;
    return rank_ == 0 ? std::vector<std::string>{bytes, other_} : std::vector<std::string>{other_, bytes};
  }
  [[noreturn]] void abort(int code) override {
    ADD_FAILURE() << "abort(" << code << ")";
    std::exit(code);
  }
  std::string sent;

 private:
  int rank_;
  std::string other_;
};

// The CSV without its last column (training time).
std::string terms_of(const std::string& csv) {
  std::string out;
  std::istringstream in(csv);
  for (std::string l; std::getline(in, l);) out += l.substr(0, l.rfind(',')) + "\n";
  return out;
}

TEST(BiasVarianceRun, RanksShareTheModelsAndRankZeroWritesTheSameResult) {
  testing::ScratchDir tmp;
  {
    std::ofstream f(tmp.path() / "d.csv");
    f << "a,b,c,label\n";
    for (int i = 0; i < 90; ++i)
      f << (i % 3) * 0.4 + (i % 5) * 0.1 << "," << (i % 4) * 0.3 << "," << (i % 7) * 0.1 << ","
        << (i % 5 == 0 ? (i + 1) % 3 : i % 3) << "\n";
  }
  Config c;
  for (const std::string& s :
       std::vector<std::string>{"data.dataset=csv", "data.csv_train=" + (tmp.path() / "d.csv").string(),
                                "data.csv_test=" + (tmp.path() / "d.csv").string(), "model.hidden=4",
                                "train.epochs=2", "train.batch_size=16", "train.threads=1"})
    c.set(s);
  std::ostringstream sink;
  BiasVarianceOptions o;
  o.models = 3;
  o.out = &sink;
  o.err = &sink;
  o.handle_sigint = false;

  o.run_dir = (tmp.path() / "one").string();
  o.group = dist::local_group();
  const BiasVarianceResult one = run_bias_variance(c, o);
  ASSERT_EQ(one.rows.size(), 1u);

  auto rank1 = std::make_shared<ScriptedGroup>(1, "");
  o.run_dir = (tmp.path() / "two").string();
  o.group = rank1;
  const BiasVarianceResult r1 = run_bias_variance(c, o);
  EXPECT_TRUE(r1.rows.empty());  // only rank 0 decomposes and writes
  EXPECT_FALSE(fs::exists(tmp.path() / "two" / "biasvar.csv"));
  EXPECT_TRUE(fs::exists(tmp.path() / "two" / "base" / "model_1" / "metrics.csv"));
  EXPECT_FALSE(fs::exists(tmp.path() / "two" / "base" / "model_0"));

  // Run after rank 1 here (under mpirun both check the directory before either trains), so
  // rank 1's model_1 is already there.
  o.overwrite = true;
  o.group = std::make_shared<ScriptedGroup>(0, rank1->sent);
  const BiasVarianceResult r0 = run_bias_variance(c, o);
  ASSERT_EQ(r0.rows.size(), 1u);
  EXPECT_TRUE(fs::exists(tmp.path() / "two" / "base" / "model_2" / "metrics.csv"));
  EXPECT_DOUBLE_EQ(r0.rows[0].terms.sq_error, one.rows[0].terms.sq_error);
  EXPECT_DOUBLE_EQ(r0.rows[0].terms.sq_variance, one.rows[0].terms.sq_variance);
  EXPECT_DOUBLE_EQ(r0.rows[0].terms.zero_one_variance, one.rows[0].terms.zero_one_variance);
  EXPECT_GT(one.rows[0].terms.sq_variance, 0.0);
  EXPECT_EQ(terms_of(slurp(tmp.path() / "two" / "biasvar.csv")),
            terms_of(slurp(tmp.path() / "one" / "biasvar.csv")));
}

}  // namespace
}  // namespace keel::train
