// The keel half of the PyTorch interop test (pytorch_interop_test.py drives it):
//   checkpoint_interop_tool write DIR   fixes a small MLP (Linear-BatchNorm1d-ReLU-Dropout-
//                                       Linear, BatchNorm statistics from a few passes), runs
//                                       it on an input, and writes DIR/keel_model.safetensors
//                                       (a checkpoint, its architecture in the metadata) and
//                                       DIR/keel_io.safetensors (the input and keel's output).
//   checkpoint_interop_tool check DIR   loads DIR/torch_model.safetensors, which PyTorch wrote,
//                                       into the same architecture, runs DIR/torch_io's input
//                                       and compares with PyTorch's output.
#include <keel/io/checkpoint.h>
#include <keel/keel.h>

#include <cstdio>
#include <iostream>
#include <memory>
#include <string>

using namespace keel;

namespace {

constexpr std::int64_t kIn = 20, kHidden = 16, kOut = 5;

// Mirrors torch.nn.Sequential in the Python script, chosen by name.
std::shared_ptr<nn::Sequential> build(const std::string& arch) {
  auto seq = std::make_shared<nn::Sequential>();
  seq->push_back(std::make_shared<nn::Linear>(kIn, kHidden));
  if (arch == "linear-bn-relu-dropout-linear") {
    seq->push_back(std::make_shared<nn::BatchNorm1d>(kHidden));
  } else if (arch != "linear-relu-dropout-linear") {
    throw Error("unknown architecture " + arch);
  }
  seq->push_back(std::make_shared<nn::ReLU>());
  seq->push_back(std::make_shared<nn::Dropout>(0.5));
  seq->push_back(std::make_shared<nn::Linear>(kHidden, kOut));
  return seq;
}

int write(const std::string& dir) {
  // The default MLP's layer kinds; the BatchNorm-free variant stays for files that name it.
  const std::string arch = "linear-bn-relu-dropout-linear";
  manual_seed(0);
  auto model = build(arch);
  {
    // A few training-mode passes give BatchNorm running statistics worth checking.
    NoGradGuard no_grad;
    for (int i = 0; i < 3; ++i) model->forward(randn({32, kIn}) * 2.0 + 0.5);
  }
  model->eval();
  Tensor x = randn({9, kIn});
  Tensor y = model->forward(x).detach();
  io::save_checkpoint(dir + "/keel_model.safetensors", *model, {{"arch", arch}});
  io::save_safetensors(dir + "/keel_io.safetensors", {{"input", x}, {"output", y}});
  std::cout << "wrote " << arch << " checkpoint to " << dir << "\n";
  return 0;
}

int check(const std::string& dir) {
  std::string path = dir + "/torch_model.safetensors";
  io::SafetensorsHeader header = io::read_safetensors_header(path);
  auto model = build(header.metadata.at("arch"));
  io::load_checkpoint(path, *model);  // strict
  model->eval();
  io::SafetensorsContents io_file = io::load_safetensors(dir + "/torch_io.safetensors");
  Tensor x = io_file.tensors.at(0).second, expected = io_file.tensors.at(1).second;
  Tensor y = model->forward(x);
  double max_diff = (y - expected).abs().max().item();
  bool same_classes = y.argmax(1).ne(expected.argmax(1)).to(kInt64).sum().item() == 0;
  std::cout << "keel vs torch: max |diff| = " << max_diff << ", same classes: " << same_classes << "\n";
  return max_diff <= 1e-5 && same_classes ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: " << argv[0] << " write|check DIR\n";
    return 2;
  }
  try {
    std::string cmd = argv[1];
    if (cmd == "write") return write(argv[2]);
    if (cmd == "check") return check(argv[2]);
    std::cerr << "unknown command " << cmd << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
}
