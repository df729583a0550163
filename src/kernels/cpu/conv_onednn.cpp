// oneDNN convolution primitives behind keel's NCHW float32 conv2d (see conv_onednn.h).
//
// Why several algorithms: on AVX-512 machines Winograd F(4x4, 3x3) computes a 4x4 output tile
// with 36 products of transformed values instead of 144 (measured on (64, 32, 28, 28) -> 64,
// 3x3, pad 1, one thread: ~40 ms for forward + both backward passes against ~60 ms direct).
// oneDNN has no Winograd kernel for AVX2; there its direct JIT convolution on 8-channel
// blocks is what can beat im2col + GEMM. The plain-layout variant (oneDNN's own im2col +
// sgemm) is there to be measured. conv2d_plan in conv.cpp picks per pass and shape
// (docs/benchmarks.md, issue 14).
#include "kernels/cpu/conv_onednn.h"

#include <omp.h>

#include <dnnl.hpp>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "keel/core/allocator.h"

namespace keel::kernels {
namespace {

using dnnl::memory;
using Tag = memory::format_tag;

dnnl::engine& engine() {
  static dnnl::engine e(dnnl::engine::kind::cpu, 0);
  return e;
}

memory::dims src_dims(const Conv2dShape& s) { return {s.n, s.c, s.h, s.w}; }
memory::dims wei_dims(const Conv2dShape& s) { return {s.o, s.c, s.kh, s.kw}; }
memory::dims dst_dims(const Conv2dShape& s) { return {s.n, s.o, s.oh, s.ow}; }
memory::desc plain_desc(const memory::dims& d, Tag tag) { return {d, memory::data_type::f32, tag}; }

// A reorder between the user's plain layout and the primitive's, or none when they agree.
struct Reorder {
  memory::desc prim;  // the primitive's layout
  std::optional<dnnl::reorder> op;

  Reorder(const memory::desc& user, const memory::desc& want, bool to_prim) : prim(want) {
    if (user == want) return;
    op = to_prim ? dnnl::reorder({engine(), user, engine(), want})
                 : dnnl::reorder({engine(), want, engine(), user});
  }
};

// The three primitives of one shape, with their layouts and reorders.
struct Prims {
  dnnl::convolution_forward::primitive_desc fpd;
  dnnl::convolution_backward_data::primitive_desc bdpd;
  dnnl::convolution_backward_weights::primitive_desc bwpd;
  dnnl::convolution_forward fwd;
  dnnl::convolution_backward_data bwd_data;
  dnnl::convolution_backward_weights bwd_weights;
  std::optional<Reorder> f_src, f_wei, f_dst, d_gy, d_wei, d_gx, w_src, w_gy, w_gw;
  std::string impl;
};

std::unique_ptr<Prims> create(const Conv2dShape& s, OnednnConvAlgo algo) {
  const auto f32 = memory::data_type::f32;
  const auto alg = algo == OnednnConvAlgo::kWinograd ? dnnl::algorithm::convolution_winograd
                                                     : dnnl::algorithm::convolution_direct;
  // kPlainGemm pins the user's layouts; the others let oneDNN choose (reordered around calls).
  const bool plain = algo == OnednnConvAlgo::kPlainGemm;
  memory::desc src(src_dims(s), f32, plain ? Tag::nchw : Tag::any),
      wei(wei_dims(s), f32, plain ? Tag::oihw : Tag::any),
      dst(dst_dims(s), f32, plain ? Tag::nchw : Tag::any), bias({s.o}, f32, Tag::x);
  const memory::dims stride{s.sh, s.sw}, pad_l{s.ph, s.pw};
  // Right/bottom padding that yields the output size: oh = (h + ph + pr - kh) / sh + 1.
  const memory::dims pr{(s.oh - 1) * s.sh + s.kh - s.h - s.ph, (s.ow - 1) * s.sw + s.kw - s.w - s.pw};
  // The scratchpad is passed in per call (from keel's allocator) instead of oneDNN's own.
  dnnl::primitive_attr attr;
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  try {
    auto p = std::make_unique<Prims>();
    p->fpd = {
        {dnnl::prop_kind::forward_training, alg, src, wei, bias, dst, stride, pad_l, pr}, attr, engine()};
    p->bdpd = {{alg, src, wei, dst, stride, pad_l, pr}, attr, engine(), p->fpd};
    p->bwpd = {{alg, src, wei, bias, dst, stride, pad_l, pr}, attr, engine(), p->fpd};
    p->fwd = dnnl::convolution_forward(p->fpd);
    p->bwd_data = dnnl::convolution_backward_data(p->bdpd);
    p->bwd_weights = dnnl::convolution_backward_weights(p->bwpd);
    const memory::desc usrc = plain_desc(src_dims(s), Tag::nchw), uwei = plain_desc(wei_dims(s), Tag::oihw),
                       udst = plain_desc(dst_dims(s), Tag::nchw);
    p->f_src.emplace(usrc, p->fpd.src_desc(), true);
    p->f_wei.emplace(uwei, p->fpd.weights_desc(), true);
    p->f_dst.emplace(udst, p->fpd.dst_desc(), false);
    p->d_gy.emplace(udst, p->bdpd.diff_dst_desc(), true);
    p->d_wei.emplace(uwei, p->bdpd.weights_desc(), true);
    p->d_gx.emplace(usrc, p->bdpd.diff_src_desc(), false);
    p->w_src.emplace(usrc, p->bwpd.src_desc(), true);
    p->w_gy.emplace(udst, p->bwpd.diff_dst_desc(), true);
    p->w_gw.emplace(uwei, p->bwpd.diff_weights_desc(), false);
    p->impl = p->fpd.impl_info_str();
    return p;
  } catch (const dnnl::error&) {
    return nullptr;  // no implementation of this algorithm for this shape or CPU
  }
}

// The shape, the algorithm and the thread count: oneDNN splits the work for the threads it
// sees at creation.
using Key = std::tuple<std::int64_t, std::int64_t, std::int64_t, std::int64_t, std::int64_t, std::int64_t,
                       std::int64_t, std::int64_t, std::int64_t, std::int64_t, std::int64_t, int, int>;

// The cached primitives, or null when oneDNN has none for the shape.
const Prims* lookup(const Conv2dShape& s, OnednnConvAlgo algo) {
  if (s.groups != 1 || s.dh != 1 || s.dw != 1) return nullptr;
  if (algo == OnednnConvAlgo::kWinograd && (s.kh != 3 || s.kw != 3 || s.sh != 1 || s.sw != 1)) return nullptr;
  static std::mutex mu;
  static std::map<Key, std::unique_ptr<Prims>> cache;
  Key k{s.n,
        s.c,
        s.h,
        s.w,
        s.o,
        s.kh,
        s.kw,
        s.sh,
        s.sw,
        s.ph,
        s.pw,
        static_cast<int>(algo),
        omp_get_max_threads()};
  std::lock_guard<std::mutex> lock(mu);
  auto it = cache.find(k);
  if (it == cache.end()) it = cache.emplace(k, create(s, algo)).first;
  return it->second.get();
}

// A buffer from keel's caching allocator, released at scope exit.
class Buffer {
 public:
  explicit Buffer(std::size_t n) : n_(n), p_(n > 0 ? allocator::allocate(n) : nullptr) {}
  ~Buffer() {
    if (p_ != nullptr) allocator::deallocate(p_, n_);
  }
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;
  void* get() const { return p_; }

 private:
  std::size_t n_;
  void* p_;
};

// One call's view of an operand: the user's plain memory, and the primitive's (the same
// memory, or a reordered copy in a buffer of its own).
class Operand {
 public:
  // to_prim: the user's data is an input, reordered in now; else an output, reordered back by
  // finish().
  Operand(const Reorder& r, const memory::desc& user_desc, const float* p, dnnl::stream& st, bool to_prim)
      : r_(r), user_(user_desc, engine(), const_cast<float*>(p)) {
    if (!r.op) {
      prim_ = user_;
      return;
    }
    buf_ = std::make_unique<Buffer>(r.prim.get_size());
    prim_ = memory(r.prim, engine(), buf_->get());
    if (to_prim) r.op->execute(st, {{DNNL_ARG_FROM, user_}, {DNNL_ARG_TO, prim_}});
  }
  const memory& prim() const { return prim_; }
  void finish(dnnl::stream& st) {
    if (r_.op) r_.op->execute(st, {{DNNL_ARG_FROM, prim_}, {DNNL_ARG_TO, user_}});
  }

 private:
  const Reorder& r_;
  memory user_, prim_;
  std::unique_ptr<Buffer> buf_;
};

dnnl::stream& stream() {
  thread_local dnnl::stream st(engine());
  return st;
}

// Runs a primitive with its scratchpad from keel's allocator.
void execute(const dnnl::primitive& prim, const memory::desc& scratch_desc,
             std::unordered_map<int, memory> args, dnnl::stream& st) {
  Buffer scratch(scratch_desc.get_size());
  if (scratch_desc.get_size() > 0)
    args.insert({DNNL_ARG_SCRATCHPAD, memory(scratch_desc, engine(), scratch.get())});
  prim.execute(st, args);
  st.wait();  // the scratchpad is released at return
}

}  // namespace

bool onednn_conv2d_available(const Conv2dShape& s, OnednnConvAlgo algo) { return lookup(s, algo) != nullptr; }

const char* onednn_conv2d_impl(const Conv2dShape& s, OnednnConvAlgo algo) {
  const Prims* p = lookup(s, algo);
  return p != nullptr ? p->impl.c_str() : "";
}

void onednn_conv2d_forward(const Conv2dShape& s, OnednnConvAlgo algo, const float* x, const float* w,
                           const float* b, float* y) {
  const Prims& p = *lookup(s, algo);
  dnnl::stream& st = stream();
  std::vector<float> zeros;
  if (b == nullptr) {
    zeros.assign(static_cast<std::size_t>(s.o), 0.0f);
    b = zeros.data();
  }
  const memory::desc usrc = plain_desc(src_dims(s), Tag::nchw), uwei = plain_desc(wei_dims(s), Tag::oihw),
                     udst = plain_desc(dst_dims(s), Tag::nchw);
  Operand mx(*p.f_src, usrc, x, st, true), mw(*p.f_wei, uwei, w, st, true), my(*p.f_dst, udst, y, st, false);
  memory ub(plain_desc({s.o}, Tag::x), engine(), const_cast<float*>(b));
  execute(p.fwd, p.fpd.scratchpad_desc(),
          {{DNNL_ARG_SRC, mx.prim()},
           {DNNL_ARG_WEIGHTS, mw.prim()},
           {DNNL_ARG_BIAS, ub},
           {DNNL_ARG_DST, my.prim()}},
          st);
  my.finish(st);
  st.wait();
}

void onednn_conv2d_backward(const Conv2dShape& s, OnednnConvAlgo algo, const float* x, const float* w,
                            const float* gy, float* gx, float* gw, float* gb) {
  const Prims& p = *lookup(s, algo);
  dnnl::stream& st = stream();
  const memory::desc usrc = plain_desc(src_dims(s), Tag::nchw), uwei = plain_desc(wei_dims(s), Tag::oihw),
                     udst = plain_desc(dst_dims(s), Tag::nchw);
  // The incoming gradient is reordered once when both passes want the same layout.
  std::optional<Operand> gy_data;
  if (gx != nullptr) {
    gy_data.emplace(*p.d_gy, udst, gy, st, true);
    Operand mw(*p.d_wei, uwei, w, st, true), mgx(*p.d_gx, usrc, gx, st, false);
    execute(p.bwd_data, p.bdpd.scratchpad_desc(),
            {{DNNL_ARG_DIFF_DST, gy_data->prim()},
             {DNNL_ARG_WEIGHTS, mw.prim()},
             {DNNL_ARG_DIFF_SRC, mgx.prim()}},
            st);
    mgx.finish(st);
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
    std::optional<Operand> gy_weights;
    if (!gy_data || p.d_gy->prim != p.w_gy->prim) gy_weights.emplace(*p.w_gy, udst, gy, st, true);
    const memory& mgy = gy_weights ? gy_weights->prim() : gy_data->prim();
    Operand mx(*p.w_src, usrc, x, st, true), mgw(*p.w_gw, uwei, gw, st, false);
    memory ugb(plain_desc({s.o}, Tag::x), engine(), gb);
    execute(p.bwd_weights, p.bwpd.scratchpad_desc(),
            {{DNNL_ARG_SRC, mx.prim()},
             {DNNL_ARG_DIFF_DST, mgy},
             {DNNL_ARG_DIFF_WEIGHTS, mgw.prim()},
             {DNNL_ARG_DIFF_BIAS, ugb}},
            st);
    mgw.finish(st);
  }
  st.wait();
}

}  // namespace keel::kernels
