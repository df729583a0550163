// The IDX reader: round trips through plain and gzip files, every value type, and the
// ways a file can be broken (each must give a keel::Error that names the file).
#include "keel/io/idx.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstring>
#include <fstream>
#include <thread>

#include "io/temp_dir.h"
#include "keel/data/mnist.h"
#include "keel/tensor/factories.h"

namespace keel {
namespace {

using io::IdxArray;
using io::IdxType;
using testing::TempDir;

std::vector<std::uint8_t> file_bytes(const std::string& path) { return io::read_file_bytes(path); }

IdxArray images(std::int64_t n, std::int64_t h, std::int64_t w) {
  IdxArray a;
  a.type = IdxType::UInt8;
  a.dims = {n, h, w};
  a.bytes.resize(n * h * w);
  for (std::size_t i = 0; i < a.bytes.size(); ++i) a.bytes[i] = static_cast<std::uint8_t>((i * 7 + 3) % 256);
  return a;
}

IdxArray labels(std::vector<std::uint8_t> values) {
  IdxArray a;
  a.type = IdxType::UInt8;
  a.dims = {static_cast<std::int64_t>(values.size())};
  a.bytes = std::move(values);
  return a;
}

// Expects `fn` to throw keel::Error whose message contains every one of `parts`.
template <class F>
void expect_error(F fn, std::initializer_list<std::string> parts) {
  try {
    fn();
    ADD_FAILURE() << "expected keel::Error";
  } catch (const Error& e) {
    for (const std::string& p : parts)
      EXPECT_NE(std::string(e.what()).find(p), std::string::npos) << e.what();
  }
}

TEST(IdxTest, RoundTripPlainAndGzip) {
  TempDir dir;
  IdxArray a = images(3, 4, 5);
  for (bool gz : {false, true}) {
    std::string path = dir.file(gz ? "a.gz" : "a");
    io::write_idx_file(path, a, gz);
    std::vector<std::uint8_t> raw = file_bytes(path);
    ASSERT_GE(raw.size(), 2u);
    EXPECT_EQ(raw[0] == 0x1f && raw[1] == 0x8b, gz);
    IdxArray b = io::read_idx_file(path);
    EXPECT_EQ(b.type, IdxType::UInt8);
    EXPECT_EQ(b.dims, a.dims);
    EXPECT_EQ(b.bytes, a.bytes);

    Tensor t = data::read_idx(path);
    ASSERT_EQ(t.sizes(), Dims({3, 4, 5}));
    EXPECT_EQ(t.dtype(), kFloat32);
    for (std::int64_t i = 0; i < t.numel(); ++i) EXPECT_EQ(t.data_ptr<float>()[i], a.bytes[i]);
    Tensor l = data::read_idx(path, kInt64);
    EXPECT_EQ(l.data_ptr<std::int64_t>()[7], a.bytes[7]);
  }
}

// Regular files are mapped; a pipe is read. Both give the same array, also for a file of
// several MiB (whose inflated buffer is advised into huge pages).
TEST(IdxTest, MappedFilesAndPipesReadAlike) {
  TempDir dir;
  IdxArray a = images(1200, 28, 28);    // 0.9 MB: no aligned 2 MiB page inside
  IdxArray big = images(6000, 28, 28);  // 4.7 MB: at least one aligned 2 MiB page inside
  for (const IdxArray* x : {&a, &big}) {
    for (bool gz : {false, true}) {
      const std::string path = dir.file(gz ? "m.gz" : "m");
      io::write_idx_file(path, *x, gz);
      IdxArray b = io::read_idx_file(path);
      EXPECT_EQ(b.dims, x->dims);
      EXPECT_EQ(b.bytes, x->bytes);
      // The same bytes through a FIFO, written by another thread.
      const std::string fifo = dir.file("fifo");
      std::remove(fifo.c_str());
      ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
      const std::vector<std::uint8_t> raw = file_bytes(path);
      std::thread writer([&] {
        std::ofstream out(fifo, std::ios::binary);
        out.write(reinterpret_cast<const char*>(raw.data()), static_cast<std::streamsize>(raw.size()));
      });
      IdxArray c = io::read_idx_file(fifo);
      writer.join();
      EXPECT_EQ(c.dims, x->dims);
      EXPECT_EQ(c.bytes, x->bytes);
    }
  }
  // An empty file is not an IDX file.
  std::ofstream(dir.file("empty")).close();
  expect_error([&] { io::read_idx_file(dir.file("empty")); }, {"empty"});
}

TEST(IdxTest, GzipDetectedByContentNotName) {
  TempDir dir;
  io::write_idx_file(dir.file("plain.gz"), labels({1, 2, 3}), false);
  io::write_idx_file(dir.file("zipped"), labels({1, 2, 3}), true);
  EXPECT_EQ(io::read_idx_file(dir.file("plain.gz")).bytes, std::vector<std::uint8_t>({1, 2, 3}));
  EXPECT_EQ(io::read_idx_file(dir.file("zipped")).bytes, std::vector<std::uint8_t>({1, 2, 3}));
}

TEST(IdxTest, EveryValueType) {
  struct Case {
    IdxType type;
    std::vector<std::uint8_t> bytes;  // big-endian
    std::vector<double> values;
  };
  std::vector<Case> cases = {
      {IdxType::UInt8, {0, 255}, {0, 255}},
      {IdxType::Int8, {0x7f, 0x80}, {127, -128}},
      {IdxType::Int16, {0x01, 0x02, 0xff, 0xfe}, {258, -2}},
      {IdxType::Int32, {0, 1, 0, 0, 0xff, 0xff, 0xff, 0xff}, {65536, -1}},
      {IdxType::Float32, {0x3f, 0xc0, 0, 0, 0xc1, 0x20, 0, 0}, {1.5, -10}},
      {IdxType::Float64, {0x3f, 0xf8, 0, 0, 0, 0, 0, 0, 0xc0, 0x24, 0, 0, 0, 0, 0, 0}, {1.5, -10}},
  };
  TempDir dir;
  for (const Case& c : cases) {
    IdxArray a;
    a.type = c.type;
    a.dims = {2};
    a.bytes = c.bytes;
    std::string path = dir.file(io::idx_type_name(c.type));
    io::write_idx_file(path, a, true);
    IdxArray b = io::read_idx_file(path);
    ASSERT_EQ(b.type, c.type);
    EXPECT_EQ(b.value(0), c.values[0]) << io::idx_type_name(c.type);
    EXPECT_EQ(b.value(1), c.values[1]) << io::idx_type_name(c.type);
    Tensor t = data::read_idx(path, kFloat64);
    EXPECT_EQ(t.data_ptr<double>()[0], c.values[0]);
    EXPECT_EQ(t.data_ptr<double>()[1], c.values[1]);
  }
}

TEST(IdxTest, ConcatenatedGzipMembers) {
  // `cat a.gz b.gz` is a valid gzip file whose content is a's followed by b's.
  TempDir dir;
  IdxArray a = images(2, 3, 3);
  io::write_idx_file(dir.file("whole"), a, false);
  std::vector<std::uint8_t> whole = file_bytes(dir.file("whole"));
  std::vector<std::uint8_t> joined;
  for (auto [from, to] : {std::pair<std::size_t, std::size_t>{0, 10}, {10, whole.size()}}) {
    std::vector<std::uint8_t> member = io::gzip_compress(whole.data() + from, to - from);
    joined.insert(joined.end(), member.begin(), member.end());
  }
  IdxArray b = io::parse_idx(joined.data(), joined.size(), "joined");
  EXPECT_EQ(b.dims, a.dims);
  EXPECT_EQ(b.bytes, a.bytes);
}

TEST(IdxTest, TruncatedPlainFile) {
  TempDir dir;
  io::write_idx_file(dir.file("a"), images(3, 4, 5), false);
  std::vector<std::uint8_t> raw = file_bytes(dir.file("a"));
  for (std::size_t keep : {std::size_t{0}, std::size_t{3}, std::size_t{9}, raw.size() - 1}) {
    std::vector<std::uint8_t> cut(raw.begin(), raw.begin() + keep);
    testing::write_bytes(dir.file("cut"), cut);
    expect_error([&] { io::read_idx_file(dir.file("cut")); }, {dir.file("cut"), "truncated"});
  }
}

TEST(IdxTest, TruncatedGzipFile) {
  TempDir dir;
  io::write_idx_file(dir.file("a.gz"), images(20, 28, 28), true);
  std::vector<std::uint8_t> raw = file_bytes(dir.file("a.gz"));
  // Cut in the deflate data, and cut only the 8-byte CRC/size trailer.
  for (std::size_t keep : {raw.size() / 2, raw.size() - 4, raw.size() - 8}) {
    std::vector<std::uint8_t> cut(raw.begin(), raw.begin() + keep);
    testing::write_bytes(dir.file("cut.gz"), cut);
    expect_error([&] { io::read_idx_file(dir.file("cut.gz")); }, {dir.file("cut.gz"), "truncated"});
  }
}

TEST(IdxTest, CorruptGzipData) {
  TempDir dir;
  io::write_idx_file(dir.file("a.gz"), images(20, 28, 28), true);
  std::vector<std::uint8_t> raw = file_bytes(dir.file("a.gz"));
  for (std::size_t i = raw.size() / 3; i < raw.size() / 3 + 16; ++i) raw[i] ^= 0x5a;
  testing::write_bytes(dir.file("bad.gz"), raw);
  expect_error([&] { io::read_idx_file(dir.file("bad.gz")); }, {dir.file("bad.gz")});
}

TEST(IdxTest, HugeDimsRejectedBeforeAllocating) {
  // 4 x 0xFFFFFFFF dims of float64 claim ~2^131 bytes: reject by size, never allocate.
  std::vector<std::uint8_t> raw(4 + 16 + 64, 0);
  raw[2] = 0x0E;
  raw[3] = 4;
  for (int i = 4; i < 20; ++i) raw[i] = 0xff;
  expect_error([&] { io::parse_idx(raw.data(), raw.size(), "huge"); },
               {"huge", "truncated", "holds only 64 bytes"});
  // The same header, gzipped: inflated whole, the data is known exactly.
  std::vector<std::uint8_t> gz = io::gzip_compress(raw.data(), raw.size());
  expect_error([&] { io::parse_idx(gz.data(), gz.size(), "huge.gz"); },
               {"huge.gz", "truncated", "holds only 64 bytes"});
  // Two concatenated members take zlib's streaming path, bounded by deflate's largest ratio.
  std::vector<std::uint8_t> two = io::gzip_compress(raw.data(), 10);
  std::vector<std::uint8_t> rest = io::gzip_compress(raw.data() + 10, raw.size() - 10);
  two.insert(two.end(), rest.begin(), rest.end());
  expect_error([&] { io::parse_idx(two.data(), two.size(), "huge2.gz"); },
               {"huge2.gz", "truncated", "can hold at most"});
}

TEST(IdxTest, BadHeaders) {
  auto parse = [](std::vector<std::uint8_t> raw) { return io::parse_idx(raw.data(), raw.size(), "f.idx"); };
  expect_error([&] { parse({0x12, 0x34, 0x08, 1, 0, 0, 0, 0}); }, {"f.idx", "not an IDX file"});
  expect_error([&] { parse({0, 0, 0x07, 1, 0, 0, 0, 0}); }, {"f.idx", "unknown IDX type code 0x7"});
  expect_error([&] { parse({0, 0, 0x08, 0}); }, {"f.idx", "declares 0 dims"});
  expect_error([&] { parse({0, 0, 0x08, 9}); }, {"f.idx", "declares 9 dims"});
  expect_error(
      [&] {
        parse({0, 0, 0x08, 1, 0, 0, 0, 2, 1, 2, 3});
      },
      {"f.idx", "1 unexpected bytes after the data"});
  expect_error([&] { parse({}); }, {"f.idx", "truncated", "magic"});
  // Zero-sized dims are fine.
  IdxArray empty = parse({0, 0, 0x08, 2, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff});
  EXPECT_EQ(empty.numel(), 0);
  EXPECT_TRUE(empty.bytes.empty());
}

TEST(IdxTest, MissingFile) {
  expect_error([] { io::read_idx_file("/nonexistent/keel/t10k.gz"); },
               {"/nonexistent/keel/t10k.gz", "No such file or directory"});
}

TEST(IdxTest, IntegerDtypeRefusesFloatValues) {
  IdxArray a;
  a.type = IdxType::Float32;
  a.dims = {1};
  a.bytes = {0x3f, 0x80, 0, 0};
  expect_error([&] { data::idx_to_tensor(a, kInt64); }, {"float32", "int64"});
}

// ---- image sets ----------------------------------------------------------------------------

TEST(IdxImagesTest, LoadsImagesScaledAndLabels) {
  TempDir dir;
  IdxArray img = images(4, 28, 28);
  io::write_idx_file(dir.file("train-images-idx3-ubyte.gz"), img, true);
  io::write_idx_file(dir.file("train-labels-idx1-ubyte"), labels({3, 0, 9, 1}), false);  // plain works too
  data::ImageSet set = data::load_fashion_mnist(true, dir.path().string());
  ASSERT_EQ(set.images.sizes(), Dims({4, 1, 28, 28}));
  ASSERT_EQ(set.labels.sizes(), Dims({4}));
  EXPECT_EQ(set.labels.dtype(), kInt64);
  EXPECT_EQ(set.labels.data_ptr<std::int64_t>()[2], 9);
  const float* p = set.images.data_ptr<float>();
  for (std::int64_t i = 0; i < set.images.numel(); ++i)
    ASSERT_EQ(p[i], static_cast<float>(img.bytes[i]) / 255.0f);
  auto ds = data::fashion_mnist(true, dir.path().string());
  EXPECT_EQ(ds->size(), 4);
}

TEST(IdxImagesTest, CountMismatch) {
  TempDir dir;
  io::write_idx_file(dir.file("i.gz"), images(5, 28, 28), true);
  io::write_idx_file(dir.file("l.gz"), labels({1, 2, 3, 4}), true);
  expect_error([&] { data::load_idx_images(dir.file("i.gz"), dir.file("l.gz")); },
               {"image/label count mismatch", dir.file("i.gz"), "5 images", dir.file("l.gz"), "4 labels"});
}

TEST(IdxImagesTest, LabelOutOfRangeAndWrongLayout) {
  TempDir dir;
  io::write_idx_file(dir.file("i.gz"), images(2, 28, 28), true);
  io::write_idx_file(dir.file("l.gz"), labels({1, 12}), true);
  expect_error([&] { data::load_idx_images(dir.file("i.gz"), dir.file("l.gz")); },
               {dir.file("l.gz"), "label 12 of sample 1"});
  // Labels passed as images: wrong number of dims.
  expect_error([&] { data::load_idx_images(dir.file("l.gz"), dir.file("l.gz")); },
               {"expected uint8 images with 3 dims"});
}

TEST(IdxImagesTest, MissingDataSetSaysHowToInstall) {
  TempDir dir;
  expect_error([&] { data::load_fashion_mnist(false, dir.path().string()); },
               {"Fashion-MNIST not found", "t10k-images-idx3-ubyte.gz",
                "apt-get install dataset-fashion-mnist", "/usr/share/datasets/fashion-mnist/"});
}

}  // namespace
}  // namespace keel
