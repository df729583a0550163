#include "keel/data/mnist.h"

#include <bit>
#include <filesystem>

#include "keel/tensor/factories.h"

namespace keel::data {

namespace {

std::uint32_t be32(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3];
}

// Decodes every value of `a` with `decode` (one stored value -> double-free native value)
// and writes it converted to T.
template <class T, class Decode>
void convert(const io::IdxArray& a, T* out, Decode decode) {
  const std::size_t size = io::idx_type_size(a.type);
  const std::uint8_t* p = a.bytes.data();
  const std::int64_t n = a.numel();
  for (std::int64_t i = 0; i < n; ++i) out[i] = static_cast<T>(decode(p + i * size));
}

template <class T>
void convert_all(const io::IdxArray& a, T* out) {
  switch (a.type) {
    case io::IdxType::UInt8:
      convert(a, out, [](const std::uint8_t* p) { return p[0]; });
      break;
    case io::IdxType::Int8:
      convert(a, out, [](const std::uint8_t* p) { return static_cast<std::int8_t>(p[0]); });
      break;
    case io::IdxType::Int16:
      convert(a, out, [](const std::uint8_t* p) { return static_cast<std::int16_t>((p[0] << 8) | p[1]); });
      break;
    case io::IdxType::Int32:
      convert(a, out, [](const std::uint8_t* p) { return static_cast<std::int32_t>(be32(p)); });
      break;
    case io::IdxType::Float32:
      convert(a, out, [](const std::uint8_t* p) { return std::bit_cast<float>(be32(p)); });
      break;
    case io::IdxType::Float64:
      convert(a, out, [](const std::uint8_t* p) {
        return std::bit_cast<double>((std::uint64_t{be32(p)} << 32) | be32(p + 4));
      });
      break;
  }
}

// dir/name.gz, else dir/name; empty when neither exists.
std::string find_file(const std::string& dir, const std::string& name) {
  namespace fs = std::filesystem;
  std::error_code ec;
  for (const std::string& candidate : {name + ".gz", name}) {
    fs::path p = fs::path(dir) / candidate;
    if (fs::is_regular_file(p, ec)) return p.string();
  }
  return {};
}

}  // namespace

Tensor idx_to_tensor(const io::IdxArray& array, DType dtype) {
  Dims shape(array.dims);
  KEEL_CHECK(dtype != kBool, "idx_to_tensor: bool is not a supported dtype");
  Tensor out = empty(shape, dtype);
  switch (dtype) {
    case kFloat32:
      convert_all(array, out.data_ptr<float>());
      break;
    case kFloat64:
      convert_all(array, out.data_ptr<double>());
      break;
    case kInt64:
      KEEL_CHECK(array.type != io::IdxType::Float32 && array.type != io::IdxType::Float64,
                 "idx_to_tensor: cannot read ", io::idx_type_name(array.type), " values as int64");
      convert_all(array, out.data_ptr<std::int64_t>());
      break;
    default:
      break;
  }
  return out;
}

Tensor read_idx(const std::string& path, DType dtype) {
  return idx_to_tensor(io::read_idx_file(path), dtype);
}

namespace {

struct RawImages {
  io::IdxArray images;  // uint8, N x H x W
  Tensor labels;        // int64, N
};

RawImages read_raw_images(const std::string& images_path, const std::string& labels_path,
                          std::int64_t num_classes) {
  RawImages out;
  out.images = io::read_idx_file(images_path);
  const io::IdxArray& images = out.images;
  KEEL_CHECK(images.type == io::IdxType::UInt8 && images.dims.size() == 3, "load_idx_images: ", images_path,
             ": expected uint8 images with 3 dims (count, rows, columns), got ",
             io::idx_type_name(images.type), " with ", images.dims.size(), " dims");
  io::IdxArray labels = io::read_idx_file(labels_path);
  KEEL_CHECK(labels.type == io::IdxType::UInt8 && labels.dims.size() == 1, "load_idx_images: ", labels_path,
             ": expected uint8 labels with 1 dim (count), got ", io::idx_type_name(labels.type), " with ",
             labels.dims.size(), " dims");
  KEEL_CHECK(images.dims[0] == labels.dims[0], "load_idx_images: image/label count mismatch: ", images_path,
             " holds ", images.dims[0], " images but ", labels_path, " holds ", labels.dims[0], " labels");
  const std::int64_t n = images.dims[0];
  out.labels = empty({n}, kInt64);
  std::int64_t* lp = out.labels.data_ptr<std::int64_t>();
  for (std::int64_t i = 0; i < n; ++i) {
    lp[i] = labels.bytes[i];
    KEEL_CHECK(lp[i] < num_classes, "load_idx_images: ", labels_path, ": label ", lp[i], " of sample ", i,
               " is not below the number of classes (", num_classes, ")");
  }
  return out;
}

// dir's files for the training or test set, checked to exist.
std::pair<std::string, std::string> fashion_files(bool train, const std::string& dir) {
  const std::string prefix = train ? "train" : "t10k";
  const std::string image_name = prefix + "-images-idx3-ubyte", label_name = prefix + "-labels-idx1-ubyte";
  const std::string images = find_file(dir, image_name), labels = find_file(dir, label_name);
  for (const auto& [path, name] : {std::pair{images, image_name}, std::pair{labels, label_name}}) {
    KEEL_CHECK(!path.empty(), "Fashion-MNIST not found: no ", name, ".gz (or ", name, ") in ", dir,
               "/. Install the data set with `sudo apt-get install ", kFashionMnistPackage,
               "` (it puts the files in ", kFashionMnistDir,
               "/), or use a directory that holds train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, "
               "t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz");
  }
  return {images, labels};
}

void check_fashion_shape(const std::string& path, std::int64_t h, std::int64_t w) {
  KEEL_CHECK(h == 28 && w == 28, "load_fashion_mnist: ", path, ": expected 28x28 images, got ", h, "x", w);
}

}  // namespace

ImageSet load_idx_images(const std::string& images_path, const std::string& labels_path,
                         std::int64_t num_classes) {
  RawImages raw = read_raw_images(images_path, labels_path, num_classes);
  const io::IdxArray& images = raw.images;
  ImageSet out;
  out.labels = raw.labels;
  out.images = empty({images.dims[0], 1, images.dims[1], images.dims[2]}, kFloat32);
  float* ip = out.images.data_ptr<float>();
  const std::uint8_t* src = images.bytes.data();
  const std::int64_t total = out.images.numel();
  // Division, not multiplication by 1/255, to match torchvision's ToTensor bit for bit.
  for (std::int64_t i = 0; i < total; ++i) ip[i] = static_cast<float>(src[i]) / 255.0f;
  return out;
}

std::shared_ptr<ByteImageDataset> load_idx_byte_images(const std::string& images_path,
                                                       const std::string& labels_path,
                                                       std::int64_t num_classes, PixelNormalization norm) {
  RawImages raw = read_raw_images(images_path, labels_path, num_classes);
  const Dims sample{1, raw.images.dims[1], raw.images.dims[2]};
  auto pixels = std::make_shared<const std::vector<std::uint8_t>>(std::move(raw.images.bytes));
  return std::make_shared<ByteImageDataset>(std::move(pixels), sample, raw.labels, norm);
}

ImageSet load_fashion_mnist(bool train, const std::string& dir) {
  const auto [images, labels] = fashion_files(train, dir);
  ImageSet set = load_idx_images(images, labels, static_cast<std::int64_t>(kFashionMnistClasses.size()));
  check_fashion_shape(images, set.images.size(2), set.images.size(3));
  return set;
}

std::shared_ptr<ByteImageDataset> fashion_mnist_bytes(bool train, const std::string& dir,
                                                      PixelNormalization norm) {
  const auto [images, labels] = fashion_files(train, dir);
  auto set =
      load_idx_byte_images(images, labels, static_cast<std::int64_t>(kFashionMnistClasses.size()), norm);
  check_fashion_shape(images, set->sample_shape()[1], set->sample_shape()[2]);
  return set;
}

std::shared_ptr<TensorDataset> fashion_mnist(bool train, const std::string& dir) {
  ImageSet set = load_fashion_mnist(train, dir);
  return std::make_shared<TensorDataset>(set.images, set.labels);
}

}  // namespace keel::data
