// Batch transforms as plain loops over the batch buffer: they run on the loader's prefetch
// thread, where keel's OpenMP-parallel ops would start a second thread team.
#include "keel/data/transforms.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <sstream>

#include "keel/tensor/factories.h"

namespace keel::data {

namespace {

// An integer in [0, range) from a 64-bit random value (high half of the 128-bit product).
std::int64_t below(std::uint64_t x, std::int64_t range) {
  __extension__ typedef unsigned __int128 u128;
  return static_cast<std::int64_t>((static_cast<u128>(x) * static_cast<std::uint64_t>(range)) >> 64);
}
double unit(std::uint64_t x) { return static_cast<double>(x >> 11) * 0x1.0p-53; }

Tensor floating_batch(Tensor batch, const char* op) {
  KEEL_CHECK(batch.defined(), op, ": undefined batch");
  KEEL_CHECK(batch.is_floating_point(), op, ": expected a float32 or float64 batch, got ",
             dtype_name(batch.dtype()));
  KEEL_CHECK(batch.dim() >= 1, op, ": expected a batch whose first dim indexes samples, got a 0-dim tensor");
  return batch.is_contiguous() ? batch : batch.contiguous();
}

// A floating batch of images: (N, ..., H, W).
Tensor image_batch(Tensor batch, const char* op) {
  batch = floating_batch(std::move(batch), op);
  KEEL_CHECK(batch.dim() >= 3, op, ": expected a batch of images (N, ..., H, W), got shape ", batch.sizes());
  return batch;
}

// Runs `run` over the float or double buffer of `batch` (which the transform owns) and marks the
// batch changed.
template <class F>
Tensor modify_in_place(Tensor batch, F&& run) {
  if (batch.dtype() == kFloat32) {
    run(batch.data_ptr<float>());
  } else {
    run(batch.data_ptr<double>());
  }
  batch.storage()->bump_version();
  return batch;
}

std::string list(const std::vector<double>& v) {
  std::ostringstream os;
  os << '[';
  for (std::size_t i = 0; i < v.size(); ++i) os << (i ? ", " : "") << v[i];
  os << ']';
  return os.str();
}

}  // namespace

Tensor Transform::operator()(const Tensor& batch, Generator& gen) const {
  return apply(batch.detach().clone(), gen);
}

Tensor Transform::operator()(const Tensor& batch) const {
  Generator gen(0);
  return (*this)(batch, gen);
}

// ---- Normalize --------------------------------------------------------------------------

Normalize::Normalize(std::vector<double> mean, std::vector<double> std)
    : mean_(std::move(mean)), std_(std::move(std)) {
  KEEL_CHECK(!mean_.empty() && mean_.size() == std_.size(),
             "Normalize: mean and std need the same number (>= 1) of ", "values, got ", mean_.size(), " and ",
             std_.size());
  for (double s : std_)
    KEEL_CHECK(s != 0.0,
               "Normalize: std evaluated to zero after conversion, leading to division by zero (std=",
               list(std_), ")");
}

Tensor Normalize::apply(Tensor batch, Generator&) const {
  batch = floating_batch(std::move(batch), "Normalize");
  const std::int64_t channels = static_cast<std::int64_t>(mean_.size());
  const std::int64_t n = batch.size(0);
  std::int64_t inner = batch.numel();
  if (channels > 1) {
    KEEL_CHECK(batch.dim() >= 2 && batch.size(1) == channels, "Normalize: ", channels,
               " channel means given, but the batch has shape ", batch.sizes(), " (channels are dim 1)");
    inner = n == 0 ? 0 : batch.numel() / (n * channels);
  }
  auto run = [&](auto* x) {
    using T = std::remove_pointer_t<decltype(x)>;
    const std::int64_t outer = channels > 1 ? n : 1;
    for (std::int64_t s = 0; s < outer; ++s) {
      for (std::int64_t c = 0; c < channels; ++c) {
        const T m = static_cast<T>(mean_[c]), sd = static_cast<T>(std_[c]);
        T* p = x + (s * channels + c) * inner;
        for (std::int64_t i = 0; i < inner; ++i) p[i] = (p[i] - m) / sd;
      }
    }
  };
  return modify_in_place(std::move(batch), run);
}

std::string Normalize::repr() const { return "Normalize(mean=" + list(mean_) + ", std=" + list(std_) + ")"; }

// ---- RandomCrop -------------------------------------------------------------------------

RandomCrop::RandomCrop(std::int64_t height, std::int64_t width, std::int64_t padding)
    : height_(height), width_(width), padding_(padding) {
  KEEL_CHECK(height > 0 && width > 0, "RandomCrop: size must be positive, got (", height, ", ", width, ")");
  KEEL_CHECK(padding >= 0, "RandomCrop: padding must be non-negative, got ", padding);
}

Tensor RandomCrop::apply(Tensor batch, Generator& gen) const {
  batch = image_batch(std::move(batch), "RandomCrop");
  const int d = batch.dim();
  const std::int64_t n = batch.size(0), h = batch.size(d - 2), w = batch.size(d - 1);
  const std::int64_t ph = h + 2 * padding_, pw = w + 2 * padding_;
  KEEL_CHECK(ph >= height_ && pw >= width_, "RandomCrop: required crop size (", height_, ", ", width_,
             ") is larger than the padded input image size (", ph, ", ", pw, ")");
  const std::int64_t planes = n == 0 ? 0 : batch.numel() / (n * h * w);  // channels per sample
  Dims out_shape = batch.sizes();
  out_shape[d - 2] = height_;
  out_shape[d - 1] = width_;
  // empty + memset, not zeros(): this runs on the loader's thread, where keel's fill would
  // start an OpenMP team of its own for a large batch.
  Tensor out = empty(out_shape, batch.dtype());
  std::memset(out.raw_data(), 0, static_cast<std::size_t>(out.numel()) * out.element_size());
  const std::uint64_t first = gen.reserve(2 * static_cast<std::uint64_t>(n));
  auto run = [&](const auto* src, auto* dst) {
    for (std::int64_t s = 0; s < n; ++s) {
      // The window's top-left corner in padded coordinates.
      const std::int64_t oy = below(gen.at(first + 2 * s), ph - height_ + 1);
      const std::int64_t ox = below(gen.at(first + 2 * s + 1), pw - width_ + 1);
      // Output columns [x0, x1) read input columns [x0 + ox - padding, ...): the rest is zero.
      const std::int64_t x0 = std::max<std::int64_t>(0, padding_ - ox);
      const std::int64_t x1 = std::min<std::int64_t>(width_, w + padding_ - ox);
      for (std::int64_t c = 0; c < planes; ++c) {
        const auto* in = src + (s * planes + c) * h * w;
        auto* o = dst + (s * planes + c) * height_ * width_;
        for (std::int64_t y = 0; y < height_; ++y) {
          const std::int64_t iy = y + oy - padding_;
          if (iy < 0 || iy >= h || x1 <= x0) continue;
          std::memcpy(o + y * width_ + x0, in + iy * w + (x0 + ox - padding_), (x1 - x0) * sizeof(*o));
        }
      }
    }
  };
  if (batch.dtype() == kFloat32) {
    run(batch.data_ptr<float>(), out.data_ptr<float>());
  } else {
    run(batch.data_ptr<double>(), out.data_ptr<double>());
  }
  return out;
}

std::string RandomCrop::repr() const {
  std::ostringstream os;
  os << "RandomCrop(size=(" << height_ << ", " << width_ << "), padding=" << padding_ << ")";
  return os.str();
}

// ---- RandomHorizontalFlip ---------------------------------------------------------------

RandomHorizontalFlip::RandomHorizontalFlip(double p) : p_(p) {
  KEEL_CHECK(p >= 0.0 && p <= 1.0, "RandomHorizontalFlip: p must be in [0, 1], got ", p);
}

Tensor RandomHorizontalFlip::apply(Tensor batch, Generator& gen) const {
  batch = floating_batch(std::move(batch), "RandomHorizontalFlip");
  KEEL_CHECK(batch.dim() >= 2, "RandomHorizontalFlip: expected a batch (N, ..., W), got shape ",
             batch.sizes());
  const std::int64_t n = batch.size(0), w = batch.size(batch.dim() - 1);
  const std::int64_t rows = n == 0 || w == 0 ? 0 : batch.numel() / (n * w);  // rows per sample
  const std::uint64_t first = gen.reserve(static_cast<std::uint64_t>(n));
  auto run = [&](auto* x) {
    for (std::int64_t s = 0; s < n; ++s) {
      if (!(unit(gen.at(first + s)) < p_)) continue;
      for (std::int64_t r = 0; r < rows; ++r) {
        auto* row = x + (s * rows + r) * w;
        std::reverse(row, row + w);
      }
    }
  };
  return modify_in_place(std::move(batch), run);
}

std::string RandomHorizontalFlip::repr() const {
  std::ostringstream os;
  os << "RandomHorizontalFlip(p=" << p_ << ")";
  return os.str();
}

// ---- RandomErasing ----------------------------------------------------------------------

RandomErasing::RandomErasing(double p, std::vector<double> scale, std::vector<double> ratio, double value)
    : p_(p), scale_(std::move(scale)), ratio_(std::move(ratio)), value_(value) {
  KEEL_CHECK(p >= 0.0 && p <= 1.0, "RandomErasing: p must be in [0, 1], got ", p);
  KEEL_CHECK(scale_.size() == 2 && ratio_.size() == 2,
             "RandomErasing: scale and ratio need 2 values each, got ", scale_.size(), " and ",
             ratio_.size());
  KEEL_CHECK(scale_[0] >= 0.0 && scale_[0] <= scale_[1] && scale_[1] <= 1.0,
             "RandomErasing: scale must be a range [lo, hi] within [0, 1], got ", list(scale_));
  KEEL_CHECK(ratio_[0] > 0.0 && ratio_[0] <= ratio_[1],
             "RandomErasing: ratio must be a range [lo, hi] of positive values, got ", list(ratio_));
  KEEL_CHECK(std::isfinite(value), "RandomErasing: value must be finite, got ", value);
}

Tensor RandomErasing::apply(Tensor batch, Generator& gen) const {
  batch = image_batch(std::move(batch), "RandomErasing");
  const int d = batch.dim();
  const std::int64_t n = batch.size(0), h = batch.size(d - 2), w = batch.size(d - 1);
  const std::int64_t planes = n == 0 || h == 0 || w == 0 ? 0 : batch.numel() / (n * h * w);
  // Per sample, a fixed block of counters: the coin, 10 (area, ratio) attempts, the corner.
  constexpr int kAttempts = 10;
  constexpr std::uint64_t kPerSample = 1 + 2 * kAttempts + 2;
  const std::uint64_t first = gen.reserve(kPerSample * static_cast<std::uint64_t>(n));
  const double log_lo = std::log(ratio_[0]), log_hi = std::log(ratio_[1]);
  const double area = static_cast<double>(h * w);
  auto run = [&](auto* x) {
    using T = std::remove_pointer_t<decltype(x)>;
    for (std::int64_t s = 0; s < n; ++s) {
      const std::uint64_t k = first + kPerSample * static_cast<std::uint64_t>(s);
      if (!(unit(gen.at(k)) < p_)) continue;
      for (int a = 0; a < kAttempts; ++a) {
        const double erase_area = area * (scale_[0] + (scale_[1] - scale_[0]) * unit(gen.at(k + 1 + 2 * a)));
        const double aspect = std::exp(log_lo + (log_hi - log_lo) * unit(gen.at(k + 2 + 2 * a)));
        const auto eh = static_cast<std::int64_t>(std::nearbyint(std::sqrt(erase_area * aspect)));
        const auto ew = static_cast<std::int64_t>(std::nearbyint(std::sqrt(erase_area / aspect)));
        if (!(eh < h && ew < w)) continue;  // torchvision's test: strictly inside the image
        const std::int64_t y0 = below(gen.at(k + 1 + 2 * kAttempts), h - eh + 1);
        const std::int64_t x0 = below(gen.at(k + 2 + 2 * kAttempts), w - ew + 1);
        for (std::int64_t c = 0; c < planes; ++c) {
          T* plane = x + (s * planes + c) * h * w;
          for (std::int64_t y = y0; y < y0 + eh; ++y)
            std::fill_n(plane + y * w + x0, ew, static_cast<T>(value_));
        }
        break;
      }
    }
  };
  return modify_in_place(std::move(batch), run);
}

std::string RandomErasing::repr() const {
  std::ostringstream os;
  os << "RandomErasing(p=" << p_ << ", scale=(" << scale_[0] << ", " << scale_[1] << "), ratio=(" << ratio_[0]
     << ", " << ratio_[1] << "), value=" << value_ << ")";
  return os.str();
}

// ---- Compose ----------------------------------------------------------------------------

Compose::Compose(std::vector<std::shared_ptr<const Transform>> transforms)
    : transforms_(std::move(transforms)) {
  for (const auto& t : transforms_) KEEL_CHECK(t != nullptr, "Compose: null transform");
}

Tensor Compose::apply(Tensor batch, Generator& gen) const {
  for (const auto& t : transforms_) batch = t->apply(std::move(batch), gen);
  return batch;
}

std::string Compose::repr() const {
  std::string s = "Compose(\n";
  for (const auto& t : transforms_) s += "    " + t->repr() + "\n";
  return s + ")";
}

}  // namespace keel::data
