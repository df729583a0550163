// Module::to(Device): PyTorch's in-place move of parameters, buffers and gradients.
#include <gtest/gtest.h>
#include <keel/keel.h>

#include "support/errors.h"

using namespace keel;
using keel::testing::error_of;

namespace {

std::shared_ptr<nn::Sequential> small_net() {
  return std::make_shared<nn::Sequential>(std::initializer_list<std::shared_ptr<nn::Module>>{
      std::make_shared<nn::Linear>(3, 4), std::make_shared<nn::BatchNorm1d>(4), std::make_shared<nn::ReLU>(),
      std::make_shared<nn::Linear>(4, 2)});
}

bool same_values(const Tensor& a, const Tensor& b) { return a.ne(b).sum().item() == 0; }

}  // namespace

TEST(ModuleTo, CpuKeepsEveryHandleAndValue) {
  auto net = small_net();
  (*net)(randn({5, 3})).sum().backward();
  nn::StateDict before = net->state_dict();
  for (auto& kv : before) kv.second = kv.second.clone();  // state_dict() shares storage
  std::vector<const void*> data, grads;
  for (const Tensor& p : net->parameters()) {
    data.push_back(p.raw_data());
    grads.push_back(p.grad().raw_data());
  }
  auto params = net->parameters();
  optim::SGD opt(params, {.lr = 0.1});

  nn::Module& same = net->to(Device("cpu"));
  EXPECT_EQ(&same, net.get());
  net->to(kCPU);
  const auto after = net->parameters();
  ASSERT_EQ(after.size(), params.size());
  for (std::size_t i = 0; i < params.size(); ++i) {
    EXPECT_TRUE(after[i].is_same(params[i])) << i;  // the optimizer's handles stay valid
    EXPECT_EQ(after[i].raw_data(), data[i]) << i;
    EXPECT_EQ(after[i].grad().raw_data(), grads[i]) << i;
    EXPECT_EQ(after[i].device(), Device(kCPU));
  }
  for (const Tensor& b : net->buffers()) EXPECT_EQ(b.device(), Device(kCPU));
  const nn::StateDict now = net->state_dict();
  ASSERT_EQ(now.size(), before.size());
  for (std::size_t i = 0; i < now.size(); ++i)
    EXPECT_TRUE(same_values(now[i].second, before[i].second)) << now[i].first;
  opt.step();  // still steps the module's own parameters
  EXPECT_FALSE(same_values(net->state_dict()[0].second, before[0].second));
}

TEST(ModuleTo, CudaIsRefusedAndNothingChanges) {
  auto net = small_net();
  const auto params = net->parameters();
  const std::string e = error_of([&] { net->to("cuda:0"); });
  EXPECT_EQ(e.rfind("keel was built without CUDA", 0), 0u) << e;
  const auto after = net->parameters();
  for (std::size_t i = 0; i < params.size(); ++i) {
    EXPECT_TRUE(after[i].is_same(params[i]));
    EXPECT_EQ(after[i].device(), Device(kCPU));
  }
}
