// autograd::queue_callback: a callback queued during backward runs once, after every gradient
// of the pass has been accumulated and before backward() returns.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "keel/autograd/engine.h"
#include "keel/core/error.h"
#include "keel/tensor/factories.h"

namespace {

using namespace keel;

TEST(QueueCallback, RunsOnceAfterEveryLeafGradientOfThePass) {
  Tensor a = full({2}, 2.0).requires_grad_();
  Tensor b = full({2}, 3.0).requires_grad_();
  std::vector<std::string> events;
  a.register_post_accumulate_grad_hook([&](Tensor&) {
    events.push_back("a");
    autograd::queue_callback([&] {
      // Both leaves are done by now, b's gradient included.
      events.push_back(b.grad().defined() ? "end, b ready" : "end, b missing");
      autograd::queue_callback([&] { events.push_back("queued by a callback"); });
    });
  });
  b.register_post_accumulate_grad_hook([&](Tensor&) { events.push_back("b"); });
  (a * b).sum().backward();
  ASSERT_EQ(events.size(), 4u);
  EXPECT_EQ(events[2], "end, b ready");
  EXPECT_EQ(events[3], "queued by a callback");
  EXPECT_FALSE(autograd::in_backward());
  // The callback belonged to that pass: the next one runs only what its own hooks queue.
  events.clear();
  (a * b).sum().backward();
  EXPECT_EQ(events.size(), 4u);
}

TEST(QueueCallback, OutsideBackwardIsAnError) {
  EXPECT_FALSE(autograd::in_backward());
  EXPECT_THROW(autograd::queue_callback([] {}), Error);
}

}  // namespace
