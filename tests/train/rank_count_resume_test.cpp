// Resuming a training state on another number of ranks, without MPI: a stand-in group says
// "rank 0 of 2" and its collectives leave the data as it is. A state from the end of an epoch
// continues (and records the new rank count); one from part way through an epoch is refused,
// since the epoch's steps are cut differently on another rank count. And a stop on another rank
// reaches this one through the stop flag's exchange, a step later.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "io/temp_dir.h"
#include "keel/dist/process_group.h"
#include "keel/io/safetensors.h"
#include "keel/train/trainer.h"
#include "support/errors.h"
#include "support/quiet_trainer.h"

namespace keel::train {
namespace {

using testing::QuietTrainer;
using testing::TempDir;

class RankZeroOfTwo : public dist::ProcessGroup {
  struct Done : dist::Work {
    void wait() override {}
    bool is_completed() override { return true; }
  };

 public:
  int rank() const override { return 0; }
  int size() const override { return 2; }
  std::string backend() const override { return "stand-in"; }
  void allreduce(Tensor&, dist::ReduceOp) override {}
  std::shared_ptr<dist::Work> allreduce_async(Tensor&, dist::ReduceOp) override {
    return std::make_shared<Done>();
  }
  std::vector<Tensor> allgather(const Tensor& t) override { return {t.clone(), t.clone()}; }
  void broadcast(Tensor&, int) override {}
  void barrier() override {}
  std::vector<std::string> allgather_bytes(const std::string& b) override { return {b, b}; }
  [[noreturn]] void abort(int code) override { throw Error("abort " + std::to_string(code)); }
};

// 120 rows, 4 features, 3 classes.
Config csv_config(const TempDir& tmp, std::int64_t epochs) {
  {
    std::ofstream f(tmp.file("d.csv"));
    f << "a,b,c,d,label\n";
    for (int i = 0; i < 120; ++i)
      f << (i % 3) * 0.5 + (i % 7) * 0.05 << "," << (i % 5) * 0.25 << "," << (i % 3) * -0.3 << ","
        << (i % 11) * 0.0625 << "," << i % 3 << "\n";
  }
  Config c;
  for (const std::string& s : std::vector<std::string>{
           "data.dataset=csv", "data.csv_train=" + tmp.file("d.csv"), "data.csv_test=" + tmp.file("d.csv"),
           "data.val_fraction=0.2", "model.hidden=8", "train.batch_size=16", "train.threads=1"})
    c.set(s);
  c.set("train.epochs=" + std::to_string(epochs));
  return c;
}

// QuietTrainer's options, on `group` (null: this process alone).
TrainerOptions quiet(QuietTrainer& q, const std::string& dir = "", std::int64_t stop_after = 0,
                     std::shared_ptr<dist::ProcessGroup> group = nullptr) {
  TrainerOptions o = q.options(dir, stop_after);
  o.group = std::move(group);
  return o;
}

TEST(RankCountResume, AStateFromAnEpochsEndContinuesOnAnotherRankCount) {
  TempDir tmp;
  QuietTrainer q;
  ASSERT_EQ(Trainer(csv_config(tmp, 1), quiet(q, tmp.file("run"))).run().exit_code, 0);
  TrainResult r =
      Trainer::resume(tmp.file("run"), {"train.epochs=2"}, quiet(q, "", 0, std::make_shared<RankZeroOfTwo>()))
          .run();
  ASSERT_EQ(r.exit_code, 0) << r.message << q.err.str();
  EXPECT_EQ(r.log.size(), 2u);
  const auto meta = io::read_safetensors_header(tmp.file("run") + "/" + kStateFile).metadata;
  ASSERT_TRUE(meta.count("keel.dist.world_size"));
  EXPECT_EQ(meta.at("keel.dist.world_size"), "2");
  // 96 training rows: 3 steps of 16 per rank and epoch, where one process took 6.
  EXPECT_NE(q.out.str().find("3 steps per epoch, 2 epochs, data-parallel on 2 ranks"), std::string::npos)
      << q.out.str();
}

TEST(RankCountResume, AStateFromPartWayThroughAnEpochResumesOnlyOnItsRankCount) {
  TempDir tmp;
  QuietTrainer q;
  ASSERT_EQ(Trainer(csv_config(tmp, 2), quiet(q, tmp.file("run"), /*stop_after=*/2)).run().exit_code, 130);
  const std::string err = testing::error_of([&] {
    Trainer::resume(tmp.file("run"), {}, quiet(q, "", 0, std::make_shared<RankZeroOfTwo>())).run();
  });
  EXPECT_NE(err.find("saved part way through epoch 1 by 1 process, so it resumes only on 1 process (this run "
                     "has 2)"),
            std::string::npos)
      << err;
  // In one process it continues.
  EXPECT_EQ(Trainer::resume(tmp.file("run"), {}, quiet(q)).run().exit_code, 0);
}

// "Rank 0 of 2" whose other rank got Ctrl-C before the first step ended: the first exchange of
// the stop flag (the only one-element float64 allreduce started asynchronously) comes back set.
class RankZeroOfTwoStoppedElsewhere : public RankZeroOfTwo {
 public:
  std::shared_ptr<dist::Work> allreduce_async(Tensor& t, dist::ReduceOp op) override {
    if (t.dtype() == kFloat64 && t.numel() == 1 && ++flag_exchanges_ == 1) t.fill_(1.0);
    return RankZeroOfTwo::allreduce_async(t, op);
  }

 private:
  int flag_exchanges_ = 0;
};

// Every rank stops at the same step: the stop flag goes out every 8 steps, so one exchanged
// after step 8 is read after step 16, where this rank then stops and saves its state.
TEST(RankCountResume, AStopOnAnotherRankStopsThisOneAtTheNextExchange) {
  TempDir tmp;
  QuietTrainer q;
  Config c = csv_config(tmp, 2);
  c.set("train.batch_size=2");  // 48 rows on this rank: 24 steps
  TrainResult r =
      Trainer(c, quiet(q, tmp.file("run"), 0, std::make_shared<RankZeroOfTwoStoppedElsewhere>())).run();
  EXPECT_EQ(r.exit_code, 130) << r.message << q.err.str();
  EXPECT_NE(r.message.find("interrupted at epoch 1, step 16/24"), std::string::npos) << r.message;
}

// An epoch shorter than the exchange interval still exchanges the flag after its last step,
// and the ranks stop at the epoch's end.
TEST(RankCountResume, AStopOnAnotherRankInAShortEpochStopsThisOneAtItsEnd) {
  TempDir tmp;
  QuietTrainer q;
  TrainResult r = Trainer(csv_config(tmp, 2),
                          quiet(q, tmp.file("run"), 0, std::make_shared<RankZeroOfTwoStoppedElsewhere>()))
                      .run();
  EXPECT_EQ(r.exit_code, 130) << r.message << q.err.str();
  EXPECT_NE(r.message.find("interrupted"), std::string::npos) << r.message;
  EXPECT_NE(r.message.find("epoch 1"), std::string::npos) << r.message;
}

}  // namespace
}  // namespace keel::train
