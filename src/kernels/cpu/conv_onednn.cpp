// oneDNN Winograd convolution behind keel's NCHW float32 conv2d (see conv_winograd.h).
//
// Why: on (64, 32, 28, 28) -> 64, 3x3, pad 1, one thread, im2col + sgemm already runs at ~70%
// of the FMA peak, and LibTorch's direct convolution (oneDNN jit:avx512_core) is no faster, so
// only fewer multiplies make a real difference: F(4x4, 3x3) computes a 4x4 output tile with 36
// products of transformed values instead of 144. Measured there: ~40 ms for forward + both
// backward passes against ~60 ms for the direct convolution.
#include "kernels/cpu/conv_winograd.h"

#include <omp.h>

#include <dnnl.hpp>
#include <map>
#include <memory>
#include <mutex>
#include <tuple>
#include <vector>

#include "keel/core/allocator.h"

namespace keel::kernels {
namespace {

using dnnl::memory;
using Tag = memory::format_tag;

// Below this many multiply-adds (N * OH * OW * C * O * 9) the reorders and the primitive's
// fixed cost outweigh the saved arithmetic.
constexpr double kMinMacs = 2e7;

dnnl::engine& engine() {
  static dnnl::engine e(dnnl::engine::kind::cpu, 0);
  return e;
}

// The three primitives of one shape, with their layouts.
struct Prims {
  dnnl::convolution_forward::primitive_desc fpd;
  dnnl::convolution_backward_data::primitive_desc bdpd;
  dnnl::convolution_backward_weights::primitive_desc bwpd;
  dnnl::convolution_forward fwd;
  dnnl::convolution_backward_data bwd_data;
  dnnl::convolution_backward_weights bwd_weights;
};

// The shape, and the thread count: oneDNN splits the work for the threads it sees at creation.
using Key = std::tuple<std::int64_t, std::int64_t, std::int64_t, std::int64_t, std::int64_t, std::int64_t,
                       std::int64_t, int>;

memory::dims src_dims(const Conv2dShape& s) { return {s.n, s.c, s.h, s.w}; }
memory::dims wei_dims(const Conv2dShape& s) { return {s.o, s.c, s.kh, s.kw}; }
memory::dims dst_dims(const Conv2dShape& s) { return {s.n, s.o, s.oh, s.ow}; }

std::unique_ptr<Prims> create(const Conv2dShape& s) {
  const auto f32 = memory::data_type::f32;
  const auto alg = dnnl::algorithm::convolution_winograd;
  memory::desc src(src_dims(s), f32, Tag::any), wei(wei_dims(s), f32, Tag::any),
      dst(dst_dims(s), f32, Tag::any), bias({s.o}, f32, Tag::x);
  const memory::dims stride{1, 1}, pad_l{s.ph, s.pw};
  // Right/bottom padding that yields the output size: oh = h + ph + pr - kh + 1.
  const memory::dims pr{s.oh - 1 + s.kh - s.h - s.ph, s.ow - 1 + s.kw - s.w - s.pw};
  try {
    auto p = std::make_unique<Prims>();
    p->fpd = {{dnnl::prop_kind::forward_training, alg, src, wei, bias, dst, stride, pad_l, pr}, engine()};
    p->bdpd = {{alg, src, wei, dst, stride, pad_l, pr}, engine(), p->fpd};
    p->bwpd = {{alg, src, wei, bias, dst, stride, pad_l, pr}, engine(), p->fpd};
    p->fwd = dnnl::convolution_forward(p->fpd);
    p->bwd_data = dnnl::convolution_backward_data(p->bdpd);
    p->bwd_weights = dnnl::convolution_backward_weights(p->bwpd);
    return p;
  } catch (const dnnl::error&) {
    return nullptr;  // no Winograd implementation for this shape or CPU
  }
}

// The cached primitives for a shape, or null when there are none.
const Prims* lookup(const Conv2dShape& s) {
  static std::mutex mu;
  static std::map<Key, std::unique_ptr<Prims>> cache;
  Key k{s.n, s.c, s.h, s.w, s.o, s.ph, s.pw, omp_get_max_threads()};
  std::lock_guard<std::mutex> lock(mu);
  auto it = cache.find(k);
  if (it == cache.end()) it = cache.emplace(k, create(s)).first;
  return it->second.get();
}

// A buffer from keel's caching allocator, released at scope exit.
class Buffer {
 public:
  explicit Buffer(std::size_t n) : n_(n), p_(allocator::allocate(n)) {}
  ~Buffer() { allocator::deallocate(p_, n_); }
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;
  void* get() const { return p_; }

 private:
  std::size_t n_;
  void* p_;
};

// `user` as the primitive wants it: itself when the layouts agree, else a reordered copy in
// `buf` (to_prim), or a buffer the caller reorders back into `user` afterwards (!to_prim).
memory as_prim(const memory& user, const memory::desc& want, std::unique_ptr<Buffer>& buf, dnnl::stream& st,
               bool to_prim) {
  if (user.get_desc() == want) return user;
  buf = std::make_unique<Buffer>(want.get_size());
  memory m(want, engine(), buf->get());
  if (to_prim) dnnl::reorder(user, m).execute(st, const_cast<memory&>(user), m);
  return m;
}

memory plain(const memory::dims& d, Tag tag, const float* p) {
  return memory({d, memory::data_type::f32, tag}, engine(), const_cast<float*>(p));
}

}  // namespace

bool winograd_conv2d_applies(const Conv2dShape& s) {
  if (s.groups != 1 || s.kh != 3 || s.kw != 3 || s.sh != 1 || s.sw != 1 || s.dh != 1 || s.dw != 1)
    return false;
  const double macs = static_cast<double>(s.n) * s.oh * s.ow * s.c * s.o * 9;
  if (macs < kMinMacs) return false;
  return lookup(s) != nullptr;
}

void winograd_conv2d_forward(const Conv2dShape& s, const float* x, const float* w, const float* b, float* y) {
  const Prims& p = *lookup(s);
  dnnl::stream st(engine());
  std::vector<float> zeros;
  if (b == nullptr) {
    zeros.assign(static_cast<std::size_t>(s.o), 0.0f);
    b = zeros.data();
  }
  memory ux = plain(src_dims(s), Tag::nchw, x), uw = plain(wei_dims(s), Tag::oihw, w),
         ub = plain({s.o}, Tag::x, b), uy = plain(dst_dims(s), Tag::nchw, y);
  std::unique_ptr<Buffer> bx, bw, by;
  memory mx = as_prim(ux, p.fpd.src_desc(), bx, st, true);
  memory mw = as_prim(uw, p.fpd.weights_desc(), bw, st, true);
  memory my = as_prim(uy, p.fpd.dst_desc(), by, st, false);
  p.fwd.execute(st, {{DNNL_ARG_SRC, mx}, {DNNL_ARG_WEIGHTS, mw}, {DNNL_ARG_BIAS, ub}, {DNNL_ARG_DST, my}});
  if (my != uy) dnnl::reorder(my, uy).execute(st, my, uy);
  st.wait();
}

void winograd_conv2d_backward(const Conv2dShape& s, const float* x, const float* w, const float* gy,
                              float* gx, float* gw, float* gb) {
  const Prims& p = *lookup(s);
  dnnl::stream st(engine());
  memory ugy = plain(dst_dims(s), Tag::nchw, gy);
  std::unique_ptr<Buffer> bgy, bgy2, bw, bgx, bx, bgw;
  memory mgy;
  if (gx != nullptr) {
    mgy = as_prim(ugy, p.bdpd.diff_dst_desc(), bgy, st, true);
    memory uw = plain(wei_dims(s), Tag::oihw, w), ugx = plain(src_dims(s), Tag::nchw, gx);
    memory mw = as_prim(uw, p.bdpd.weights_desc(), bw, st, true);
    memory mgx = as_prim(ugx, p.bdpd.diff_src_desc(), bgx, st, false);
    p.bwd_data.execute(st, {{DNNL_ARG_DIFF_DST, mgy}, {DNNL_ARG_WEIGHTS, mw}, {DNNL_ARG_DIFF_SRC, mgx}});
    if (mgx != ugx) dnnl::reorder(mgx, ugx).execute(st, mgx, ugx);
  }
  if (gw != nullptr || gb != nullptr) {
    // The bias gradient comes with the weight gradient; either may be unwanted.
    std::vector<float> gw_scratch, gb_scratch;
    if (gw == nullptr) {
      gw_scratch.resize(static_cast<std::size_t>(s.o * s.c * s.kh * s.kw));
      gw = gw_scratch.data();
    }
    if (gb == nullptr) {
      gb_scratch.resize(static_cast<std::size_t>(s.o));
      gb = gb_scratch.data();
    }
    if (!mgy || mgy.get_desc() != p.bwpd.diff_dst_desc())
      mgy = as_prim(ugy, p.bwpd.diff_dst_desc(), bgy2, st, true);
    memory ux = plain(src_dims(s), Tag::nchw, x), ugw = plain(wei_dims(s), Tag::oihw, gw),
           ugb = plain({s.o}, Tag::x, gb);
    memory mx = as_prim(ux, p.bwpd.src_desc(), bx, st, true);
    memory mgw = as_prim(ugw, p.bwpd.diff_weights_desc(), bgw, st, false);
    p.bwd_weights.execute(st, {{DNNL_ARG_SRC, mx},
                               {DNNL_ARG_DIFF_DST, mgy},
                               {DNNL_ARG_DIFF_WEIGHTS, mgw},
                               {DNNL_ARG_DIFF_BIAS, ugb}});
    if (mgw != ugw) dnnl::reorder(mgw, ugw).execute(st, mgw, ugw);
  }
  st.wait();
}

}  // namespace keel::kernels
