#include <gtest/gtest.h>
#include <keel/core/nearest.h>

using keel::edit_distance;
using keel::nearest;

TEST(Nearest, EditDistance) {
  EXPECT_EQ(edit_distance("", ""), 0u);
  EXPECT_EQ(edit_distance("abc", ""), 3u);
  EXPECT_EQ(edit_distance("", "abc"), 3u);
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
  EXPECT_EQ(edit_distance("trian", "train"), 2u);
  EXPECT_EQ(edit_distance("optim.lrr", "optim.lr"), 1u);
}

TEST(Nearest, PicksTheClosestCandidateAndTheFirstOnATie) {
  const std::vector<std::string> commands = {"train", "compare", "eval", "inspect"};
  EXPECT_EQ(nearest("trian", commands), "train");
  EXPECT_EQ(nearest("evl", commands), "eval");
  EXPECT_EQ(nearest("compre", commands), "compare");
  EXPECT_EQ(nearest("insepct", commands), "inspect");
  EXPECT_EQ(nearest("ab", {"xb", "ax"}), "xb");
  EXPECT_EQ(nearest("word", {}), "");
}
