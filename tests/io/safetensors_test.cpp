#include <gtest/gtest.h>
#include <keel/io/atomic_file.h>
#include <keel/io/safetensors.h>
#include <keel/keel.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "io/io_test_util.h"

using namespace keel;
using keel::testing::bitwise_equal;
using keel::testing::read_bytes;
using keel::testing::ScratchDir;
using keel::testing::write_bytes;

namespace {

// The message of the keel::Error that f throws ("<no error>" if none).
template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "<no error>";
}

#define EXPECT_ERROR_CONTAINS(stmt, text)                                 \
  do {                                                                    \
    std::string msg_ = error_of([&] { stmt; });                           \
    EXPECT_NE(msg_.find(text), std::string::npos) << "message: " << msg_; \
  } while (false)

// A file with the given header text (unpadded) and data bytes.
std::string raw_file(const std::string& header, const std::string& data = "") {
  std::string out(8, '\0');
  std::uint64_t n = header.size();
  for (int i = 0; i < 8; ++i) out[static_cast<std::size_t>(i)] = static_cast<char>((n >> (8 * i)) & 0xff);
  return out + header + data;
}

io::SafetensorsContents parse(const std::string& bytes) {
  return io::parse_safetensors(bytes.data(), bytes.size(), "bad.safetensors");
}

// Tensors of every dtype, with 0-dim, empty, 8-dim and non-contiguous shapes and special values.
io::NamedTensors sample_tensors() {
  manual_seed(7);
  Tensor f32 = randn({3, 4});
  float* p = f32.data_ptr<float>();
  p[0] = std::numeric_limits<float>::quiet_NaN();
  p[1] = std::numeric_limits<float>::infinity();
  p[2] = -0.0f;
  p[3] = std::numeric_limits<float>::denorm_min();
  Tensor i64 = from_vector(std::vector<std::int64_t>{std::numeric_limits<std::int64_t>::min(), -1, 0,
                                                     std::numeric_limits<std::int64_t>::max()});
  return {{"f32", f32},
          {"f64_scalar", scalar_tensor(3.25, kFloat64)},
          {"i64", i64},
          {"bool", tensor({{1, 0}, {1, 1}}).gt(0.5)},
          {"bool_scalar", scalar_tensor(1, kBool)},
          {"empty_f32", empty({0})},
          {"empty_i64_3d", zeros({3, 0, 2}, kInt64)},
          {"transposed", randn({3, 5}, kFloat64).t()},
          {"eight_dims", randn({1, 2, 1, 2, 1, 2, 1, 2})},
          {"layer.0.weight", randn({2, 3})}};
}

io::Metadata sample_metadata() {
  return {{"epoch", "3"},
          {"config", "{\"lr\": 0.1}\nline two"},
          {"unicode", "h\xc3\xa9llo \xe2\x9c\x93"},
          {"empty", ""}};
}

void expect_same(const io::NamedTensors& expected, const io::NamedTensors& got) {
  ASSERT_EQ(expected.size(), got.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(expected[i].first, got[i].first);
    EXPECT_TRUE(bitwise_equal(expected[i].second, got[i].second)) << expected[i].first;
    // (keel's is_contiguous() says false for some empty shapes, unlike PyTorch's.)
    if (got[i].second.numel() > 0) {
      EXPECT_TRUE(got[i].second.is_contiguous()) << expected[i].first;
    }
  }
}

}  // namespace

TEST(Safetensors, RoundTripsEveryDtypeAndShapeInOrder) {
  ScratchDir dir;
  std::string path = dir.file("all.safetensors");
  io::NamedTensors tensors = sample_tensors();
  io::save_safetensors(path, tensors, sample_metadata());
  io::SafetensorsContents back = io::load_safetensors(path);
  expect_same(tensors, back.tensors);
  EXPECT_EQ(back.metadata, sample_metadata());
  EXPECT_EQ(dir.entries(), std::vector<std::string>{"all.safetensors"});  // no temporary left behind
}

TEST(Safetensors, SerializedBytesMatchTheFileAndParseBack) {
  ScratchDir dir;
  io::NamedTensors tensors = sample_tensors();
  std::string bytes = io::serialize_safetensors(tensors, sample_metadata());
  io::save_safetensors(dir.file("a.safetensors"), tensors, sample_metadata());
  EXPECT_EQ(bytes, read_bytes(dir.file("a.safetensors")));
  io::SafetensorsContents back = parse(bytes);
  expect_same(tensors, back.tensors);
  EXPECT_EQ(back.metadata, sample_metadata());
}

TEST(Safetensors, LayoutFollowsTheFormat) {
  io::NamedTensors tensors = {
      {"a", ones({2, 3})}, {"b", full({2}, 5, kInt64)}, {"c", scalar_tensor(1, kBool)}};
  std::string bytes = io::serialize_safetensors(tensors, {{"format", "pt"}});
  std::uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | static_cast<unsigned char>(bytes[static_cast<std::size_t>(i)]);
  EXPECT_EQ(n % 8, 0u) << "the header is padded so that the data starts 8-byte aligned";
  ASSERT_EQ(bytes.size(), 8 + n + 24 + 16 + 1);
  std::string header = bytes.substr(8, n);
  EXPECT_EQ(header.find_first_not_of(' ', header.rfind('}') + 1), std::string::npos) << "padded with spaces";
  auto j = nlohmann::json::parse(header);
  EXPECT_EQ(j["__metadata__"], nlohmann::json({{"format", "pt"}}));
  EXPECT_EQ(j["a"]["dtype"], "F32");
  EXPECT_EQ(j["a"]["shape"], nlohmann::json({2, 3}));
  EXPECT_EQ(j["a"]["data_offsets"], nlohmann::json({0, 24}));
  EXPECT_EQ(j["b"]["dtype"], "I64");
  EXPECT_EQ(j["b"]["data_offsets"], nlohmann::json({24, 40}));
  EXPECT_EQ(j["c"]["dtype"], "BOOL");
  EXPECT_EQ(j["c"]["shape"], nlohmann::json::array());
  EXPECT_EQ(j["c"]["data_offsets"], nlohmann::json({40, 41}));
  // Without metadata there is no __metadata__ entry, as in PyTorch's writer.
  std::string plain = io::serialize_safetensors(tensors);
  EXPECT_EQ(plain.find("__metadata__"), std::string::npos);
  // An empty file is valid too.
  io::SafetensorsContents none = parse(io::serialize_safetensors({}));
  EXPECT_TRUE(none.tensors.empty());
  EXPECT_TRUE(none.metadata.empty());
}

TEST(Safetensors, HeaderOnlyReadSkipsTheData) {
  ScratchDir dir;
  io::save_safetensors(dir.file("h.safetensors"), sample_tensors(), {{"k", "v"}});
  io::SafetensorsHeader h = io::read_safetensors_header(dir.file("h.safetensors"));
  ASSERT_EQ(h.entries.size(), sample_tensors().size());
  EXPECT_EQ(h.entries[0].name, "f32");
  EXPECT_EQ(h.entries[0].dtype, kFloat32);
  EXPECT_EQ(h.entries[0].shape, (Dims{3, 4}));
  EXPECT_EQ(h.entries[1].shape, Dims{});
  EXPECT_EQ(h.metadata.at("k"), "v");
}

TEST(Safetensors, BoolBytesOtherThanOneReadAsTrue) {
  std::string bytes =
      raw_file(R"({"b":{"dtype":"BOOL","shape":[3],"data_offsets":[0,3]}})", std::string("\x00\x02\xff", 3));
  Tensor b = parse(bytes).tensors[0].second;
  EXPECT_FALSE(b[0].item<bool>());
  EXPECT_TRUE(b[1].item<bool>());
  EXPECT_EQ(b.sum().item<std::int64_t>(), 2);
}

TEST(Safetensors, SaveRejectsBadNamesWithoutCreatingAFile) {
  ScratchDir dir;
  std::string path = dir.file("x.safetensors");
  EXPECT_ERROR_CONTAINS(io::save_safetensors(path, {{"a", ones({1})}, {"a", ones({1})}}),
                        "'a' appears twice");
  EXPECT_ERROR_CONTAINS(io::save_safetensors(path, {{"", ones({1})}}), "empty name");
  EXPECT_ERROR_CONTAINS(io::save_safetensors(path, {{"__metadata__", ones({1})}}), "reserved");
  EXPECT_ERROR_CONTAINS(io::save_safetensors(path, {{"u", Tensor()}}), "'u' is undefined");
  EXPECT_ERROR_CONTAINS(io::save_safetensors(path, {{"bad\xff", ones({1})}}), "UTF-8");
  EXPECT_TRUE(dir.entries().empty());
}

// ---- atomic writes ----------------------------------------------------------------------------

TEST(SafetensorsAtomic, MissingDirectoryIsAnErrorAndCreatesNothing) {
  ScratchDir dir;
  std::string path = dir.file("no/such/dir/x.safetensors");
  EXPECT_ERROR_CONTAINS(io::save_safetensors(path, {{"a", ones({2})}}), "No such file or directory");
  EXPECT_ERROR_CONTAINS(io::save_safetensors(path, {{"a", ones({2})}}), path);
  EXPECT_TRUE(dir.entries().empty());
}

TEST(SafetensorsAtomic, UnwritableDirectoryIsAnError) {
  ScratchDir dir;
  std::filesystem::create_directory(dir.path() / "ro");
  std::filesystem::permissions(dir.path() / "ro",
                               std::filesystem::perms::owner_read | std::filesystem::perms::owner_exec);
  if (::access((dir.path() / "ro").c_str(), W_OK) == 0)
    GTEST_SKIP() << "running as root: permissions do not apply";
  std::string path = (dir.path() / "ro" / "x.safetensors").string();
  EXPECT_ERROR_CONTAINS(io::save_safetensors(path, {{"a", ones({2})}}), "Permission denied");
  EXPECT_TRUE(std::filesystem::is_empty(dir.path() / "ro"));
}

TEST(SafetensorsAtomic, ReplacesAnExistingFile) {
  ScratchDir dir;
  std::string path = dir.file("x.safetensors");
  io::save_safetensors(path, {{"a", ones({2})}});
  io::save_safetensors(path, {{"b", zeros({3}, kInt64)}});
  io::SafetensorsContents back = io::load_safetensors(path);
  ASSERT_EQ(back.tensors.size(), 1u);
  EXPECT_EQ(back.tensors[0].first, "b");
  EXPECT_EQ(dir.entries(), std::vector<std::string>{"x.safetensors"});
}

TEST(SafetensorsAtomic, FailedRenameRemovesTheTemporaryFile) {
  ScratchDir dir;
  std::filesystem::create_directory(dir.path() / "target");  // rename() cannot replace a directory
  EXPECT_ERROR_CONTAINS(io::save_safetensors(dir.file("target"), {{"a", ones({2})}}), "renaming");
  EXPECT_EQ(dir.entries(), std::vector<std::string>{"target"});
}

// A write that fails halfway (here: the file size limit, as a full disk would) leaves the
// previous file byte for byte as it was, and no temporary file.
TEST(SafetensorsAtomic, FailedWriteLeavesTheExistingFileUntouched) {
  ScratchDir dir;
  std::string path = dir.file("x.safetensors");
  io::save_safetensors(path, {{"old", ones({4})}}, {{"v", "1"}});
  std::string before = read_bytes(path);

  rlimit saved{};
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &saved), 0);
  rlimit small = saved;
  small.rlim_cur = 64 * 1024;
  auto old_handler = std::signal(SIGXFSZ, SIG_IGN);  // get EFBIG instead of being killed
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &small), 0);
  std::string msg = error_of([&] { io::save_safetensors(path, {{"big", zeros({1 << 20})}}); });
  ::setrlimit(RLIMIT_FSIZE, &saved);
  std::signal(SIGXFSZ, old_handler);

  EXPECT_NE(msg.find("File too large"), std::string::npos) << msg;
  EXPECT_NE(msg.find(path), std::string::npos) << msg;
  EXPECT_EQ(read_bytes(path), before);
  EXPECT_EQ(dir.entries(), std::vector<std::string>{"x.safetensors"});
}

TEST(SafetensorsAtomic, UncommittedAtomicFileIsRemoved) {
  ScratchDir dir;
  std::string path = dir.file("f.txt");
  write_bytes(path, "old");
  {
    io::AtomicFile f(path);
    f.write("new contents");
    EXPECT_TRUE(std::filesystem::exists(f.temp_path()));
  }  // destroyed without commit(), as when an exception unwinds
  EXPECT_EQ(read_bytes(path), "old");
  EXPECT_EQ(dir.entries(), std::vector<std::string>{"f.txt"});
  io::write_file_atomic(path, "new");
  EXPECT_EQ(read_bytes(path), "new");
  EXPECT_EQ(dir.entries(), std::vector<std::string>{"f.txt"});
}

// ---- corrupt input ----------------------------------------------------------------------------

TEST(SafetensorsCorrupt, ErrorsNameTheFile) {
  ScratchDir dir;
  EXPECT_ERROR_CONTAINS(io::load_safetensors(dir.file("missing.safetensors")), "missing.safetensors");
  EXPECT_ERROR_CONTAINS(io::load_safetensors(dir.file("missing.safetensors")), "cannot open");
  EXPECT_ERROR_CONTAINS(io::load_safetensors(dir.path().string()), "not a regular file");
  write_bytes(dir.file("short.safetensors"), "abc");
  EXPECT_ERROR_CONTAINS(io::load_safetensors(dir.file("short.safetensors")), "short.safetensors': too short");
}

TEST(SafetensorsCorrupt, HeaderLengthIsChecked) {
  EXPECT_ERROR_CONTAINS(parse(""), "too short (0 bytes)");
  EXPECT_ERROR_CONTAINS(parse("1234567"), "too short (7 bytes)");
  std::string huge(8, '\0');
  huge[3] = 0x10;  // 268 MB
  EXPECT_ERROR_CONTAINS(parse(huge + "{}"), "exceeds the 100 MB limit");
  std::string all_ones(16, '\xff');
  EXPECT_ERROR_CONTAINS(parse(all_ones), "exceeds the 100 MB limit");
  std::string past = raw_file("{}");
  past[0] = 100;
  EXPECT_ERROR_CONTAINS(parse(past), "runs past the end of the file");
}

struct BadHeader {
  std::string header;
  std::string data;
  const char* expected;
};

TEST(SafetensorsCorrupt, HeaderOdditiesGiveClearErrors) {
  const std::string f32x2(8, '\0');
  const char* a = R"("a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]})";
  std::vector<BadHeader> cases = {
      {"", "", "malformed JSON header"},
      {"{", "", "malformed JSON header"},
      {"{\"a\": }", "", "malformed JSON header"},
      {"{\"\xff\": 1}", "", "malformed JSON header"},  // not UTF-8
      {"[]", "", "must be a JSON object, got array"},
      {"null", "", "must be a JSON object, got null"},
      {"{} {}", "", "malformed JSON header"},
      {"{\"a\": 5}", "", "'a' must be an object with dtype, shape and data_offsets"},
      {R"({"a":{"shape":[2],"data_offsets":[0,8]}})", f32x2, "'a' has no \"dtype\""},
      {R"({"a":{"dtype":"F32","data_offsets":[0,8]}})", f32x2, "'a' has no \"shape\""},
      {R"({"a":{"dtype":"F32","shape":[2]}})", f32x2, "'a' has no \"data_offsets\""},
      {R"({"a":{"dtype":5,"shape":[2],"data_offsets":[0,8]}})", f32x2, "dtype must be a string"},
      {R"({"a":{"dtype":"F33","shape":[2],"data_offsets":[0,8]}})", f32x2, "unknown dtype \"F33\""},
      {R"({"a":{"dtype":"F16","shape":[4],"data_offsets":[0,8]}})", f32x2,
       "dtype F16, which keel does not support"},
      {R"({"a":{"dtype":"BF16","shape":[4],"data_offsets":[0,8]}})", f32x2,
       "dtype BF16, which keel does not"},
      {R"({"a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}})", f32x2,
       "negative dimension in shape [-2]"},
      {R"({"a":{"dtype":"F32","shape":[2.5],"data_offsets":[0,8]}})", f32x2,
       "must be a non-negative integer, got 2.5"},
      {R"({"a":{"dtype":"F32","shape":"2","data_offsets":[0,8]}})", f32x2, "shape must be an array"},
      {R"({"a":{"dtype":"F32","shape":[1,1,1,1,1,1,1,1,2],"data_offsets":[0,8]}})", f32x2, "has 9 dims"},
      {R"({"a":{"dtype":"F32","shape":[4294967296,4294967296,4],"data_offsets":[0,8]}})", f32x2,
       "is too large"},
      {R"({"a":{"dtype":"F32","shape":[18446744073709551615],"data_offsets":[0,8]}})", f32x2, "is too large"},
      {R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0]}})", f32x2, "data_offsets must be [begin, end]"},
      {R"({"a":{"dtype":"F32","shape":[2],"data_offsets":{"b":0}}})", f32x2,
       "data_offsets must be [begin, end]"},
      {R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[-1,7]}})", f32x2, "data_offsets begin is negative"},
      {R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}})", f32x2, "end before they begin"},
      {R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}})", f32x2.substr(4), "needs 8"},
      {R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})",
       f32x2, "'a' [0, 8] and 'b' [4, 8] overlap"},
      {R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})", f32x2,
       "bytes [0, 4) of the data belong to no tensor"},
      {R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})", f32x2.substr(4),
       "run past the end of the data"},
      {R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})", f32x2 + "xyz", "trailing bytes"},
      {"{}", "x", "the data section has 1 bytes but the tensors cover 0"},
      {std::string("{") + a + "," + a + "}", f32x2, "names 'a' twice"},
      {R"({"__metadata__":{"k":1}})", "", "__metadata__ value of 'k' must be a string, got 1"},
      {R"({"__metadata__":["k"]})", "", "__metadata__ must be an object of strings"},
  };
  for (const auto& c : cases) {
    std::string msg = error_of([&] { parse(raw_file(c.header, c.data)); });
    EXPECT_NE(msg.find(c.expected), std::string::npos) << "header: " << c.header << "\nmessage: " << msg;
    EXPECT_NE(msg.find("bad.safetensors"), std::string::npos) << msg;
  }
}

TEST(SafetensorsCorrupt, HarmlessHeaderOdditiesAreAccepted) {
  const std::string data = std::string(8, '\0') + std::string("\x01\x00\x00\x00\x00\x00\x00\x00", 8);
  // Unknown fields, reordered fields, whitespace, metadata last, escapes, no padding.
  std::string header =
      "\n{ \"b\" : {\"data_offsets\": [8, 16], \"shape\": [], \"dtype\": \"I64\", \"extra\": [1, {}]},\t"
      "\"\\u00e9\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8]},"
      "\"__metadata__\": {\"k\": \"v\\n\"}}   ";
  io::SafetensorsContents c = parse(raw_file(header, data));
  ASSERT_EQ(c.tensors.size(), 2u);
  EXPECT_EQ(c.tensors[0].first, "\xc3\xa9");  // sorted by data offset
  EXPECT_EQ(c.tensors[1].first, "b");
  EXPECT_EQ(c.tensors[1].second.item<std::int64_t>(), 1);
  EXPECT_EQ(c.metadata.at("k"), "v\n");
  EXPECT_TRUE(parse(raw_file(R"({"__metadata__":{}})")).metadata.empty());
}

// Every proper prefix of a valid file is an error (never a crash, never a silent success),
// from memory and from disk.
TEST(SafetensorsCorrupt, EveryTruncationIsAnError) {
  std::string bytes = io::serialize_safetensors(sample_tensors(), sample_metadata());
  for (std::size_t len = 0; len < bytes.size(); ++len)
    EXPECT_THROW(io::parse_safetensors(bytes.data(), len, "t"), Error) << "prefix of " << len << " bytes";
  ScratchDir dir;
  std::string path = dir.file("t.safetensors");
  for (std::size_t len = 0; len < bytes.size(); len += 7) {
    write_bytes(path, bytes.substr(0, len));
    EXPECT_THROW(io::load_safetensors(path), Error) << "prefix of " << len << " bytes";
  }
  EXPECT_NO_THROW(io::parse_safetensors(bytes.data(), bytes.size(), "t"));
}

// Random byte corruptions either load or throw keel::Error: nothing else escapes.
TEST(SafetensorsCorrupt, RandomCorruptionsNeverCrash) {
  std::string good = io::serialize_safetensors(sample_tensors(), sample_metadata());
  std::mt19937 rng(123);
  const char specials[] = {'\0', '\xff', '"', '{', '}', '[', ']', ',', ':', '-', '9', '.', 'e', '\\', ' '};
  int errors = 0;
  for (int iter = 0; iter < 3000; ++iter) {
    std::string bytes = good;
    int edits = 1 + static_cast<int>(rng() % 3);
    for (int e = 0; e < edits; ++e) {
      // Mostly the length field and the header, where the parser's decisions are.
      std::size_t limit = (rng() % 4 != 0) ? std::min<std::size_t>(bytes.size(), 8 + 600) : bytes.size();
      std::size_t pos = rng() % limit;
      bytes[pos] = (rng() % 2) ? specials[rng() % sizeof(specials)] : static_cast<char>(rng());
    }
    try {
      io::parse_safetensors(bytes.data(), bytes.size(), "fuzz");
    } catch (const Error&) {
      ++errors;
    } catch (const std::exception& ex) {
      ADD_FAILURE() << "non-keel exception: " << ex.what();
    }
  }
  EXPECT_GT(errors, 1000);
}
