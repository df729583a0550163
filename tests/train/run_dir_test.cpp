// The run directory loses nothing: a fresh run never replaces an old one by accident, a failed
// start changes no file, an epoch is committed as a unit, a second process is locked out, and
// a damaged or hostile training state is refused before any loop uses it.
#include "train/run_dir.h"

#include <gtest/gtest.h>
#include <sys/file.h>
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "io/temp_dir.h"
#include "keel/data/mnist.h"
#include "keel/io/checkpoint.h"
#include "keel/io/safetensors.h"
#include "keel/train/trainer.h"
#include "support/fashion_mnist.h"
#include "support/quiet_trainer.h"
#include "support/text_file.h"

namespace keel::train {
namespace {

namespace fs = std::filesystem;
using testing::QuietTrainer;
using testing::slurp;
using testing::TempDir;

// 320 training images in batches of 32 (10 steps per epoch), a narrow MLP: a fraction of a second.
Config tiny(std::int64_t epochs = 2) {
  Config c;
  for (const char* s :
       {"data.train_subset=320", "data.val_fraction=0.01", "data.test_subset=200", "model.hidden=16",
        "train.batch_size=32", "train.eval_batch_size=250", "train.threads=2", "train.seed=3"})
    c.set(s);
  c.set("train.epochs=" + std::to_string(epochs));
  return c;
}

void write(const fs::path& p, const std::string& bytes) {
  std::ofstream f(p, std::ios::binary);
  f << bytes;
}

// Every file of a directory with its bytes (the lock file aside: it only holds a pid).
std::map<std::string, std::string> snapshot(const fs::path& dir) {
  std::map<std::string, std::string> out;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().filename() != detail::kLockFile) out[e.path().filename().string()] = slurp(e.path());
  return out;
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

bool same_tensors(const fs::path& a, const fs::path& b) {
  auto x = io::load_safetensors(a.string()), y = io::load_safetensors(b.string());
  if (x.tensors.size() != y.tensors.size()) return false;
  for (std::size_t i = 0; i < x.tensors.size(); ++i) {
    const Tensor t = x.tensors[i].second.contiguous(), u = y.tensors[i].second.contiguous();
    if (x.tensors[i].first != y.tensors[i].first || t.sizes() != u.sizes() ||
        std::memcmp(t.raw_data(), u.raw_data(), t.numel() * t.element_size()) != 0)
      return false;
  }
  return true;
}

// Rewrites the training state with changed metadata and, optionally, tensors (keeping the
// checksum valid, so that what is tested is the check behind it).
void rewrite_state(const fs::path& dir, const io::Metadata& changes,
                   const std::function<void(io::NamedTensors&)>& edit = {}) {
  const std::string path = (dir / kStateFile).string();
  io::SafetensorsContents s = io::load_safetensors(path);
  for (const auto& [k, v] : changes) s.metadata[k] = v;
  if (edit) edit(s.tensors);
  s.metadata[io::kChecksumKey] = io::data_checksum(s.tensors);
  io::save_safetensors(path, s.tensors, s.metadata);
}

// A finished run of `epochs` epochs in tmp/<name>.
fs::path finished_run(const TempDir& tmp, QuietTrainer& q, const std::string& name = "run",
                      std::int64_t epochs = 1, Config c = tiny(1)) {
  c.set("train.epochs=" + std::to_string(epochs));
  TrainResult r = Trainer(c, q.options(tmp.file(name))).run();
  EXPECT_EQ(r.exit_code, 0) << r.message;
  return tmp.file(name);
}

// A small CSV problem (120 rows, 4 features, 3 classes): the fault-injection test runs dozens of
// short runs, and reading Fashion-MNIST for each would dominate.
Config csv_run(const TempDir& tmp) {
  const std::string path = tmp.file("data.csv");
  std::ofstream f(path);
  f << "x0,x1,x2,x3,label\n";
  for (int i = 0; i < 120; ++i) {
    const int label = i % 3;
    f << label + 0.1 * (i % 7) << "," << -label + 0.05 * (i % 5) << "," << (i % 11) * 0.1 << ","
      << label * 0.5 << "," << label << "\n";
  }
  f.close();
  Config c;
  for (const std::string& s : std::vector<std::string>{
           "data.dataset=csv", "data.csv_train=" + path, "data.csv_test=" + path, "data.val_fraction=0.2",
           "model.hidden=8", "train.batch_size=16", "train.threads=1", "train.seed=5", "train.epochs=2"})
    c.set(s);
  return c;
}

TEST(RunDirTest, AFreshRunOverAFinishedOneIsRefused) {
  KEEL_SKIP_WITHOUT_FASHION_MNIST();
  TempDir tmp;
  QuietTrainer q;
  const fs::path dir = finished_run(tmp, q);
  const auto before = snapshot(dir);
  const std::string e = error_of([&] { Trainer(tiny(1), q.options(dir.string())).run(); });
  EXPECT_NE(e.find("--resume"), std::string::npos) << e;
  EXPECT_NE(e.find("--overwrite"), std::string::npos) << e;
  EXPECT_EQ(snapshot(dir), before);
}

// --overwrite replaces the old run only once the new one has its data and model: a new run
// that fails to start leaves the old one whole.
TEST(RunDirTest, OverwriteKeepsTheOldRunUntilTheNewOneStarts) {
  KEEL_SKIP_WITHOUT_FASHION_MNIST();
  TempDir tmp;
  QuietTrainer q;
  const fs::path dir = finished_run(tmp, q);
  const auto before = snapshot(dir);
  Config missing = tiny(1);
  missing.set("data.dir=" + tmp.file("no-data-here"));
  TrainerOptions o = q.options(dir.string());
  o.overwrite = true;
  EXPECT_NE(error_of([&] { Trainer(missing, o).run(); }), "");
  EXPECT_EQ(snapshot(dir), before);
  Config other = tiny(1);
  other.set("model.hidden=8");
  ASSERT_EQ(Trainer(other, o).run().exit_code, 0);
  EXPECT_NE(slurp(dir / kConfigFile).find("hidden = [8]"), std::string::npos) << slurp(dir / kConfigFile);
}

// Counts read from a training state are checked against the run before any loop uses them: a
// huge scheduler_steps once made the scheduler's fast-forward spin for ever.
TEST(RunDirTest, HostileCountsInTheTrainingStateAreRefused) {
  KEEL_SKIP_WITHOUT_FASHION_MNIST();
  TempDir tmp;
  QuietTrainer q;
  Config c = tiny(2);
  c.set("optim.schedule=cosine");
  ASSERT_EQ(Trainer(c, q.options(tmp.file("run"), /*stop_after=*/13)).run().exit_code, 130);
  const fs::path dir = tmp.file("run");
  // Interrupted part way through epoch 2: the checkpoints are still those of epoch 1.
  EXPECT_EQ(io::read_safetensors_header((dir / kLastFile).string()).metadata.at("epoch"), "1");
  const std::string original = slurp(dir / kStateFile);
  for (const auto& [key, value] : std::vector<std::pair<std::string, std::string>>{
           {"keel.trainer.scheduler_steps", "4611686018427387904"},
           {"keel.trainer.global_step", "9223372036854775807"},
           {"keel.trainer.step", "100000000000"},
           {"keel.trainer.step", "-1"},
           {"keel.trainer.epoch", "2000000000"},
           {"keel.trainer.seen", "99999999"},
           {"keel.trainer.scheduler_steps", "12abc"}}) {
    write(dir / kStateFile, original);
    rewrite_state(dir, {{key, value}});
    const auto before = snapshot(dir);
    const std::string e = error_of([&] { Trainer::resume(dir.string(), {}, q.options("")).run(); });
    EXPECT_NE(e.find(kStateFile), std::string::npos) << key << "=" << value << ": " << e;
    EXPECT_EQ(snapshot(dir), before) << key;
  }
  write(dir / kStateFile, original);
  EXPECT_EQ(Trainer::resume(dir.string(), {}, q.options("")).run().exit_code, 0);
}

// A flipped bit in the training state is refused, and the failed resume (with an override)
// leaves every file, config.toml included, as it was.
TEST(RunDirTest, AFlippedBitIsRefusedAndChangesNoFile) {
  KEEL_SKIP_WITHOUT_FASHION_MNIST();
  TempDir tmp;
  QuietTrainer q;
  const fs::path dir = finished_run(tmp, q);
  std::string bytes = slurp(dir / kStateFile);
  bytes[bytes.size() - 5] ^= 0x10;  // inside the last tensor's data
  write(dir / kStateFile, bytes);
  const auto before = snapshot(dir);
  const std::string e =
      error_of([&] { Trainer::resume(dir.string(), {"train.epochs=3"}, q.options("")).run(); });
  EXPECT_NE(e.find("checksum"), std::string::npos) << e;
  EXPECT_EQ(snapshot(dir), before);
}

TEST(RunDirTest, NonFiniteWeightsAreRefusedNamingTheTensor) {
  KEEL_SKIP_WITHOUT_FASHION_MNIST();
  TempDir tmp;
  QuietTrainer q;
  const fs::path dir = finished_run(tmp, q);
  write(dir / "state.clean", slurp(dir / kStateFile));
  rewrite_state(dir, {}, [](io::NamedTensors& tensors) {
    for (auto& [name, t] : tensors)
      if (name == "model.1.weight") {
        t = t.clone();
        t.data_ptr<float>()[3] = NAN;
      }
  });
  const std::string e =
      error_of([&] { Trainer::resume(dir.string(), {"train.epochs=2"}, q.options("")).run(); });
  EXPECT_NE(e.find("'1.weight'"), std::string::npos) << e;
  EXPECT_NE(e.find("non-finite"), std::string::npos) << e;
  // The optimizer's buffers too (SGD with momentum keeps one per parameter).
  const std::string clean = slurp(dir / "state.clean");
  write(dir / kStateFile, clean);
  rewrite_state(dir, {}, [](io::NamedTensors& tensors) {
    for (auto& [name, t] : tensors)
      if (name == "optim.state.0.momentum_buffer") {
        t = t.clone();
        t.data_ptr<float>()[0] = INFINITY;
      }
  });
  const std::string m =
      error_of([&] { Trainer::resume(dir.string(), {"train.epochs=2"}, q.options("")).run(); });
  EXPECT_NE(m.find("'optim.state.0.momentum_buffer'"), std::string::npos) << m;
}

TEST(RunDirTest, OverridesThatConflictWithTheSavedStateAreRefused) {
  KEEL_SKIP_WITHOUT_FASHION_MNIST();
  TempDir tmp;
  QuietTrainer q;
  const fs::path dir = finished_run(tmp, q);
  const auto before = snapshot(dir);
  for (const char* set : {"model.hidden=64", "optim.name=adam", "train.batch_size=16", "optim.lr=0.5"}) {
    const std::string e = error_of([&] { Trainer::resume(dir.string(), {set}, q.options("")).run(); });
    EXPECT_NE(e.find(std::string(set).substr(0, std::string(set).find('='))), std::string::npos) << e;
    EXPECT_NE(e.find("cannot change"), std::string::npos) << e;
  }
  EXPECT_EQ(snapshot(dir), before);
}

// Extending a finished cosine run: the schedule is defined for the new total, so the extra
// epochs train at the lr a run started with that total has there (not at lr 0).
TEST(RunDirTest, ExtendingACosineRunTrainsTheExtraEpochs) {
  KEEL_SKIP_WITHOUT_FASHION_MNIST();
  TempDir tmp;
  QuietTrainer q;
  Config c = tiny(2);
  c.set("optim.schedule=cosine");
  const fs::path dir = finished_run(tmp, q, "run", 2, c);
  const fs::path straight = finished_run(tmp, q, "straight", 4, c);
  const std::string before = slurp(dir / kLastFile);
  TrainResult r = Trainer::resume(dir.string(), {"train.epochs=4"}, q.options("")).run();
  ASSERT_EQ(r.exit_code, 0) << r.message;
  ASSERT_EQ(r.log.size(), 4u);
  const MetricsLog full = MetricsLog::read_csv(straight / kMetricsFile);
  EXPECT_GT(r.log[2].lr, 0.0);
  EXPECT_DOUBLE_EQ(r.log[2].lr, full[2].lr);
  EXPECT_DOUBLE_EQ(r.log[3].lr, full[3].lr);
  EXPECT_NE(slurp(dir / kLastFile), before);  // the extra epochs changed the weights
  EXPECT_NE(q.out.str().find("extending the run from 2 to 4 epochs"), std::string::npos) << q.out.str();
}

TEST(RunDirTest, ASecondWriterIsLockedOutWithTheHoldersPid) {
  KEEL_SKIP_WITHOUT_FASHION_MNIST();
  TempDir tmp;
  QuietTrainer q, q2;
  const fs::path dir = tmp.file("run");
  std::string second;
  TrainerOptions o = q.options(dir.string());
  o.after_write = [&](const std::string&) {
    if (second.empty()) {
      TrainerOptions o2 = q2.options(dir.string());
      o2.overwrite = true;
      second = error_of([&] { Trainer(tiny(1), o2).run(); });
    }
  };
  ASSERT_EQ(Trainer(tiny(1), o).run().exit_code, 0);
  EXPECT_NE(second.find("in use"), std::string::npos) << second;
  EXPECT_NE(second.find("pid " + std::to_string(::getpid())), std::string::npos) << second;
  // Released at the end: the run continues.
  EXPECT_EQ(Trainer::resume(dir.string(), {"train.epochs=2"}, q.options("")).run().exit_code, 0);
}

TEST(RunDirTest, StaleTemporariesAndStagedFilesAreRemovedOnStart) {
  KEEL_SKIP_WITHOUT_FASHION_MNIST();
  TempDir tmp;
  QuietTrainer q;
  const fs::path dir = finished_run(tmp, q);
  write(dir / "metrics.csv.tmp.999999", "half");
  write(dir / "last.safetensors.commit-7", "staged by an epoch that never committed");
  ASSERT_EQ(Trainer::resume(dir.string(), {"train.epochs=2"}, q.options("")).run().exit_code, 0);
  EXPECT_FALSE(fs::exists(dir / "metrics.csv.tmp.999999"));
  EXPECT_FALSE(fs::exists(dir / "last.safetensors.commit-7"));
}

// A kill during the first epoch's commit leaves config.toml and staged files but no committed
// epoch: running the same command again just starts.
TEST(RunDirTest, ARunKilledBeforeItsFirstCommitStartsAgainWithoutOverwrite) {
  TempDir tmp;
  QuietTrainer q;
  const Config c = csv_run(tmp);
  const fs::path dir = tmp.file("run");
  fs::create_directories(dir);
  write(dir / kConfigFile, c.to_toml());
  write(dir / "last.safetensors.commit-1", "staged");
  write(dir / "curves.svg.tmp.4242", "half");
  ASSERT_EQ(Trainer(c, q.options(dir.string())).run().exit_code, 0);
  EXPECT_FALSE(fs::exists(dir / "last.safetensors.commit-1"));
  EXPECT_FALSE(fs::exists(dir / "curves.svg.tmp.4242"));
}

TEST(RunDirTest, MetricsThatDisagreeWithTheStateAreRefused) {
  KEEL_SKIP_WITHOUT_FASHION_MNIST();
  TempDir tmp;
  QuietTrainer q;
  const fs::path dir = finished_run(tmp, q, "run", 2);
  MetricsLog log = MetricsLog::read_csv(dir / kMetricsFile);
  log.truncate_after(1);  // the row a kill used to lose
  log.write_csv(dir / kMetricsFile);
  const std::string e =
      error_of([&] { Trainer::resume(dir.string(), {"train.epochs=3"}, q.options("")).run(); });
  EXPECT_NE(e.find("inconsistent"), std::string::npos) << e;
}

// What a directory holds after a (simulated) kill and the recovery a start performs: every
// output names the same number of epochs.
int consistent_epochs(const fs::path& dir) {
  detail::recover(dir, detail::committed_epoch(dir));
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string f = e.path().filename().string();
    EXPECT_EQ(f.find(".tmp."), std::string::npos) << f;
    EXPECT_EQ(f.find(".commit-"), std::string::npos) << f;
  }
  const int epochs = detail::committed_epoch(dir);
  if (epochs == 0) {
    for (const char* f : {kMetricsFile, kCurvesFile, kBestFile, kLastFile, kSummaryFile, kStateFile})
      EXPECT_FALSE(fs::exists(dir / f)) << f;
    return 0;
  }
  EXPECT_EQ(MetricsLog::read_csv(dir / kMetricsFile).size(), static_cast<std::size_t>(epochs));
  EXPECT_EQ(io::read_safetensors_header((dir / kLastFile).string()).metadata.at("epoch"),
            std::to_string(epochs));
  EXPECT_LE(std::stoi(io::read_safetensors_header((dir / kBestFile).string()).metadata.at("epoch")), epochs);
  EXPECT_NE(slurp(dir / kSummaryFile).find("\"epochs\": " + std::to_string(epochs)), std::string::npos);
  EXPECT_NE(slurp(dir / kCurvesFile).find("<svg"), std::string::npos);
  return epochs;
}

struct InjectedFailure {};

// Fault injection: the run is cut after each single write of its two epochs in turn, and the
// directory then holds whole epochs only, which a resume completes to the same weights as an
// uninterrupted run.
TEST(RunDirTest, AKillAfterAnyWriteLeavesWholeEpochsAndResumesExactly) {
  TempDir tmp;
  QuietTrainer q;
  const Config c = csv_run(tmp);
  std::vector<std::string> writes;
  TrainerOptions o = q.options(tmp.file("full"));
  o.after_write = [&](const std::string& f) { writes.push_back(f); };
  ASSERT_EQ(Trainer(c, o).run().exit_code, 0);
  // config.toml, per epoch up to 5 staged files + the state + their renames, the final summary.
  ASSERT_GE(writes.size(), 20u);
  ASSERT_EQ(writes.front(), kConfigFile);
  ASSERT_EQ(writes.back(), kSummaryFile);
  for (std::size_t k = 0; k < writes.size(); ++k) {
    SCOPED_TRACE("killed after write " + std::to_string(k + 1) + " (" + writes[k] + ")");
    const fs::path dir = tmp.file("cut" + std::to_string(k));
    TrainerOptions cut = q.options(dir.string());
    std::size_t n = 0;
    cut.after_write = [&](const std::string&) {
      if (n++ == k) throw InjectedFailure{};
    };
    EXPECT_THROW(Trainer(c, cut).run(), InjectedFailure);
    const int epochs = consistent_epochs(dir);
    TrainResult rest = epochs == 0 ? Trainer(c, q.options(dir.string())).run()
                                   : Trainer::resume(dir.string(), {}, q.options("")).run();
    ASSERT_EQ(rest.exit_code, 0) << rest.message;
    EXPECT_TRUE(same_tensors(fs::path(tmp.file("full")) / kLastFile, dir / kLastFile));
    EXPECT_TRUE(same_tensors(fs::path(tmp.file("full")) / kBestFile, dir / kBestFile));
    EXPECT_EQ(MetricsLog::read_csv(dir / kMetricsFile).size(), 2u);
  }
}

}  // namespace
}  // namespace keel::train
