#pragma once
// Tensors from IDX files, and the MNIST-style data sets stored in them (Fashion-MNIST by
// default, as Debian's dataset-fashion-mnist package installs it).
#include <array>
#include <cstdint>
#include <memory>
#include <string>

#include "keel/data/byte_images.h"
#include "keel/data/dataset.h"
#include "keel/io/idx.h"
#include "keel/tensor/tensor.h"

namespace keel::data {

// The values of an IDX array as a tensor of its dims, converted to `dtype`.
Tensor idx_to_tensor(const io::IdxArray& array, DType dtype = kFloat32);
// Reads an IDX file (plain or gzip) into a tensor of `dtype`: float32 keeps image bytes in
// [0, 255]; use kInt64 for label files.
Tensor read_idx(const std::string& path, DType dtype = kFloat32);

inline constexpr const char* kFashionMnistDir = "/usr/share/datasets/fashion-mnist";
inline constexpr const char* kFashionMnistPackage = "dataset-fashion-mnist";
inline constexpr std::array<const char*, 10> kFashionMnistClasses = {
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"};

struct ImageSet {
  Tensor images;  // (N, 1, H, W) float32, pixel / 255 in [0, 1] (torchvision's ToTensor)
  Tensor labels;  // (N) int64 in [0, num_classes)
};

// Reads an image file (uint8 IDX, dims N x H x W) and its label file (uint8 IDX, dims N),
// checking that the counts match and that every label is below `num_classes`.
ImageSet load_idx_images(const std::string& images_path, const std::string& labels_path,
                         std::int64_t num_classes = 10);

// The same files as a dataset that keeps the pixels as bytes and converts them per batch
// (see byte_images.h): samples (1, H, W) float32, pixel / 255 normalized by `norm`.
std::shared_ptr<ByteImageDataset> load_idx_byte_images(const std::string& images_path,
                                                       const std::string& labels_path,
                                                       std::int64_t num_classes = 10,
                                                       PixelNormalization norm = {});

// Fashion-MNIST's training (60,000 images) or test (10,000) set from `dir`, which holds
// {train,t10k}-{images-idx3,labels-idx1}-ubyte, each gzipped (.gz) or plain. A missing
// file is an error that says how to install the data set.
ImageSet load_fashion_mnist(bool train, const std::string& dir = kFashionMnistDir);

// The same as a dataset: images as data, labels as targets.
std::shared_ptr<TensorDataset> fashion_mnist(bool train, const std::string& dir = kFashionMnistDir);
// ... and as bytes converted per batch (a quarter of the memory, the same values).
std::shared_ptr<ByteImageDataset> fashion_mnist_bytes(bool train, const std::string& dir = kFashionMnistDir,
                                                      PixelNormalization norm = {});

}  // namespace keel::data
