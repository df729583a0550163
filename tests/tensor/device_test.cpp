// keel::Device and the tensor side of the device seam: PyTorch's spellings, the CPU no-op and
// the refusal of devices this build has no backend for.
#include <gtest/gtest.h>
#include <keel/keel.h>

#include <sstream>
#include <utility>

#include "kernels/cpu/dispatch.h"
#include "support/errors.h"

using namespace keel;
using keel::testing::error_of;

TEST(Device, ParsesPyTorchSpellings) {
  Device cpu("cpu");
  EXPECT_EQ(cpu.type(), kCPU);
  EXPECT_EQ(cpu.index(), -1);
  EXPECT_FALSE(cpu.has_index());
  EXPECT_TRUE(cpu.is_cpu());
  EXPECT_FALSE(cpu.is_cuda());
  EXPECT_EQ(cpu.str(), "cpu");

  Device cuda("cuda");
  EXPECT_EQ(cuda.type(), kCUDA);
  EXPECT_TRUE(cuda.is_cuda());
  EXPECT_EQ(cuda.index(), -1);
  EXPECT_EQ(cuda.str(), "cuda");

  Device cuda1("cuda:1");
  EXPECT_EQ(cuda1.type(), kCUDA);
  EXPECT_EQ(cuda1.index(), 1);
  EXPECT_TRUE(cuda1.has_index());
  EXPECT_EQ(cuda1.str(), "cuda:1");
  EXPECT_EQ(Device("cpu:0").index(), 0);

  // Types convert implicitly, as torch::Device does; equality includes the index.
  EXPECT_EQ(Device(kCUDA, 1), cuda1);
  EXPECT_EQ(Device(kCPU), cpu);
  EXPECT_NE(Device("cuda"), Device("cuda:0"));
  EXPECT_NE(Device("cpu"), Device("cuda"));
  std::ostringstream os;
  os << cuda1 << " " << kCPU;
  EXPECT_EQ(os.str(), "cuda:1 cpu");
  for (const char* s : {"cpu", "cpu:0", "cuda", "cuda:0", "cuda:7"}) EXPECT_EQ(Device(s).str(), s);
}

TEST(Device, RefusesBadStrings) {
  for (const char* s : {"", "gpu", "CPU", "cuda0", " cpu", "cpu ", "mps"}) {
    EXPECT_EQ(error_of([&] { Device d(s); }),
              std::string("Device: expected a device string like 'cpu', 'cuda' or 'cuda:0', got '") + s + "'")
        << s;
  }
  for (const char* s :
       {"cuda:", "cuda:x", "cuda:-1", "cuda:+1", "cuda:1x", "cuda:1:2", "cuda:128", "cuda:99999999999"}) {
    const std::string e = error_of([&] { Device d(s); });
    EXPECT_NE(e.find("expected a device index"), std::string::npos) << s << ": " << e;
    EXPECT_NE(e.find(std::string("'") + s + "'"), std::string::npos) << s << ": " << e;
  }
  EXPECT_NE(error_of([] { Device d(static_cast<const char*>(nullptr)); }).find("got ''"), std::string::npos);
  EXPECT_EQ(error_of([] { Device d("cpu:1"); }), "Device: cpu device index must be -1 or 0, got 1");
  EXPECT_EQ(error_of([] { Device d(kCPU, 2); }), "Device: cpu device index must be -1 or 0, got 2");
  EXPECT_NE(error_of([] { Device d(kCUDA, -2); }).find("between -1 and 127, got -2"), std::string::npos);
}

TEST(Device, CpuTensorsMoveToTheCpuWithoutACopy) {
  Tensor x = randn({3, 4}).requires_grad_();
  EXPECT_EQ(x.device(), Device(kCPU));
  EXPECT_TRUE(x.is_cpu());
  EXPECT_EQ(x.device().str(), "cpu");
  for (const Device& d : {Device("cpu"), Device("cpu:0"), Device(kCPU)}) {
    Tensor y = x.to(d);
    EXPECT_TRUE(y.is_same(x)) << d;  // the same tensor, as PyTorch returns self
  }
  EXPECT_TRUE(x.to("cpu").is_same(x));
  Tensor v = x.t();
  EXPECT_TRUE(v.to(kCPU).is_same(v));
  EXPECT_NE(error_of([] { Tensor().device(); }), "(no error)");
}

TEST(Device, CudaIsRefusedInACpuOnlyBuild) {
  ASSERT_FALSE(cuda::is_available());
  Tensor x = ones({2});
  for (const char* s : {"cuda", "cuda:0", "cuda:3"}) {
    const std::string e = error_of([&] { x.to(s); });
    EXPECT_EQ(e.rfind("keel was built without CUDA", 0), 0u) << e;
    EXPECT_NE(e.find(std::string("'") + s + "'"), std::string::npos) << e;
  }
  EXPECT_EQ(error_of([&] { x.to(kCUDA); }).rfind("keel was built without CUDA", 0), 0u);
}

TEST(Device, TheSourcesTrainingLoopRunsOnTheCpu) {
  // device = torch.device("cuda" if torch.cuda.is_available() else "cpu"); x, y = x.to(device), ...
  const Device device = cuda::is_available() ? Device("cuda") : Device("cpu");
  auto model = std::make_shared<nn::Linear>(4, 2);
  model->to(device);
  Tensor x = randn({8, 4}).to(device);
  Tensor y = zeros({8}, kInt64).to(device);
  Tensor loss = nn::functional::cross_entropy((*model)(x), y);
  loss.backward();
  EXPECT_TRUE(model->param("weight").grad().defined());
  EXPECT_EQ(loss.device(), device);
}

TEST(Device, ReportsTheSimdTargetInUse) {
  namespace simd = keel::kernels::simd;
  const std::pair<std::int64_t, const char*> targets[] = {
      {HWY_AVX3, "AVX-512"}, {HWY_AVX2, "AVX2"}, {HWY_STATIC_TARGET, "SSE2"}};
  for (const auto& [target, name] : targets) {
    if (!(simd::supported_targets() & target)) continue;
    simd::set_targets_for_test(target);
    EXPECT_STREQ(cpu::simd_target(), name);
  }
  simd::set_targets_for_test(0);
  EXPECT_STREQ(cpu::simd_target(), (simd::supported_targets() & HWY_AVX3)   ? "AVX-512"
                                   : (simd::supported_targets() & HWY_AVX2) ? "AVX2"
                                                                            : "SSE2");
}
