// The CSV reader: headers, label columns, the accepted syntax, and errors that name the
// file, line and column.
#include "keel/io/csv.h"

#include <gtest/gtest.h>

#include "io/temp_dir.h"
#include "keel/data/csv.h"

namespace keel {
namespace {

using io::CsvOptions;
using io::CsvTable;

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

CsvTable parse(const std::string& text, CsvOptions opt = {}) { return io::parse_csv(text, opt, "t.csv"); }

TEST(CsvTest, HeaderDetectedAndLastColumnIsLabel) {
  CsvTable t = parse("x1,x2,y\n1.5,-2,0\n3e2,4,1\n");
  EXPECT_EQ(t.rows, 2);
  EXPECT_EQ(t.features, 2);
  EXPECT_EQ(t.data, std::vector<float>({1.5f, -2.f, 300.f, 4.f}));
  EXPECT_EQ(t.labels, std::vector<std::int64_t>({0, 1}));
  EXPECT_EQ(t.feature_names, std::vector<std::string>({"x1", "x2"}));
  EXPECT_EQ(t.label_name, "y");
}

TEST(CsvTest, NoHeader) {
  CsvTable t = parse("1,2,3\n4,5,6\n");
  EXPECT_EQ(t.rows, 2);
  EXPECT_EQ(t.labels, std::vector<std::int64_t>({3, 6}));
  EXPECT_EQ(t.feature_names, std::vector<std::string>({"col0", "col1"}));
  CsvOptions no;
  no.header = CsvOptions::Header::No;
  expect_error([&] { parse("a,b\n1,2\n", no); }, {"t.csv:1", "column 1", "'a' is not a number"});
  CsvOptions yes;
  yes.header = CsvOptions::Header::Yes;
  EXPECT_EQ(parse("1,2\n3,4\n", yes).rows, 1);
}

TEST(CsvTest, LabelByNameAndIndex) {
  const std::string text = "label,a,b\n7,1,2\n8,3,4\n";
  CsvOptions by_name;
  by_name.label_name = "label";
  CsvTable t = parse(text, by_name);
  EXPECT_EQ(t.labels, std::vector<std::int64_t>({7, 8}));
  EXPECT_EQ(t.data, std::vector<float>({1, 2, 3, 4}));
  CsvOptions by_index;
  by_index.label_index = 0;
  EXPECT_EQ(parse(text, by_index).labels, t.labels);
  by_index.label_index = -3;
  EXPECT_EQ(parse(text, by_index).labels, t.labels);
  by_index.label_index = 3;
  expect_error([&] { parse(text, by_index); },
               {"t.csv", "label column index 3 is out of range for 3 columns"});
  by_name.label_name = "class";
  expect_error([&] { parse(text, by_name); }, {"t.csv", "no column named 'class'", "label, a, b"});
  expect_error([&] { parse("1,2\n", by_name); }, {"no header line"});
}

TEST(CsvTest, SyntaxVariants) {
  // CRLF, quoted header names, spaces, blank and comment lines, '+' signs, "2.0" labels.
  CsvTable t =
      parse("# comment\r\n\"a\", \"b \"\"q\"\"\" ,y\r\n\r\n +1 , 2.5e-1 , 2.0\r\n   \n# x\n-0,.5,+3\n");
  EXPECT_EQ(t.rows, 2);
  EXPECT_EQ(t.feature_names, std::vector<std::string>({"a", "b \"q\""}));
  EXPECT_EQ(t.data, std::vector<float>({1.f, 0.25f, -0.f, 0.5f}));
  EXPECT_EQ(t.labels, std::vector<std::int64_t>({2, 3}));
  CsvOptions semi;
  semi.delimiter = ';';
  EXPECT_EQ(parse("1;2;0\n", semi).data, std::vector<float>({1, 2}));
}

TEST(CsvTest, ErrorsNameLineAndColumn) {
  expect_error([] { parse("a,b,y\n1,2,0\n1,2\n"); },
               {"t.csv:3", "ragged row: 2 fields, expected 3", "line 1"});
  expect_error([] { parse("a,b,y\n1,2,0\n1,2,0,4\n"); }, {"t.csv:3", "4 fields, expected 3"});
  expect_error([] { parse("a,b,y\n1,2,0\n1,abc,0\n"); },
               {"t.csv:3", "column 2 ('b')", "'abc' is not a number"});
  expect_error([] { parse("a,b,y\n1,,0\n"); }, {"t.csv:2", "column 2 ('b')", "empty value"});
  expect_error([] { parse("a,b,y\n1,2,1.5\n"); }, {"t.csv:2", "column 3 ('y')", "'1.5' is not an integer"});
  expect_error([] { parse("a,b,y\n1,2,\n"); }, {"t.csv:2", "empty label"});
  expect_error([] { parse("a,b,y\n1,inf,0\n"); }, {"t.csv:2", "not a finite float32"});
  expect_error([] { parse("a,b,y\n1,1e39,0\n"); }, {"t.csv:2", "not a finite float32"});
  expect_error([] { parse("a,b,y\n1,\"2,0\n"); }, {"t.csv:2", "unterminated quoted field"});
  expect_error([] { parse("a,b,y\n1,\"2\"x,0\n"); }, {"t.csv:2", "after a closing quote"});
  expect_error([] { parse(""); }, {"t.csv", "the file is empty"});
  expect_error([] { parse("a,b,y\n\n"); }, {"t.csv", "no data rows after the header"});
  expect_error([] { parse("a\n1\n"); }, {"t.csv:1", "at least one feature column"});
}

TEST(CsvTest, FileToDataset) {
  testing::TempDir dir;
  testing::write_text(dir.file("d.csv"), "f0,f1,f2,label\n0.1,0.2,0.3,1\n1,2,3,0\n");
  auto ds = data::load_csv(dir.file("d.csv"));
  ASSERT_EQ(ds->size(), 2);
  EXPECT_EQ(ds->data().sizes(), Dims({2, 3}));
  EXPECT_EQ(ds->data().dtype(), kFloat32);
  EXPECT_EQ(ds->targets().dtype(), kInt64);
  data::Example e = ds->get(1);
  EXPECT_EQ(e.data.data_ptr<float>()[2], 3.f);
  EXPECT_EQ(e.target.item<std::int64_t>(), 0);
  expect_error([&] { data::load_csv(dir.file("missing.csv")); }, {dir.file("missing.csv"), "No such file"});
}

}  // namespace
}  // namespace keel
