// The op table's conformance test: for every entry of keel/core/op_list.h, a float64 gradcheck,
// the backward node the table names, the dtypes it lists, and the entry's PyTorch golden case.
// Each entry needs a registration below (how to call it on a golden case's inputs and args, and
// its gradcheck inputs); an entry without one fails, so a new op cannot skip its tests. The
// simple unary ops get theirs from the table itself.
#include <gtest/gtest.h>
#include <keel/autograd/node.h>
#include <keel/core/op_list.h>
#include <keel/dist/process_group.h>
#include <keel/keel.h>
#include <keel/ops/binary_cross_entropy.h>
#include <keel/ops/sync_batch_norm.h>

#include <algorithm>
#include <array>
#include <functional>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>

#include "support/golden.h"
#include "support/gradcheck.h"

using namespace keel;
using keel::testing::GoldenOp;
using keel::testing::rand_input;
using nlohmann::json;
namespace F = keel::nn::functional;
namespace table = keel::op_table;
using V = std::vector<Tensor>;

namespace {

// ---- the table, flattened ----------------------------------------------------------------------

struct Entry {
  const char* id;
  const char* torch_name;
  table::Kind kind;
  unsigned dtypes;
  const char* backward;
  const char* forward;
  const char* golden_family;
  const char* golden_case;
};

#define KEEL_SIMPLE_ENTRY(K, fn, Node, saved, domain, cost, family, golden) \
  {#fn, #fn, table::Kind::Kernel, table::F, #Node, "keel::" #fn, #family, golden},
#define KEEL_ENTRY(id, torch_name, kind, dtypes, Node, forward, family, golden) \
  {#id, torch_name, table::Kind::kind, table::dtypes, #Node, forward, #family, golden},
constexpr Entry kEntries[] = {KEEL_SIMPLE_UNARY_OPS(KEEL_SIMPLE_ENTRY) KEEL_OPS(KEEL_ENTRY)};
#undef KEEL_SIMPLE_ENTRY
#undef KEEL_ENTRY

// The same count, taken from the lists independently of kEntries: a line dropped from the
// flattening above fails to compile.
#define KEEL_COUNT(...) +1
constexpr int kCount = 0 KEEL_SIMPLE_UNARY_OPS(KEEL_COUNT) KEEL_OPS(KEEL_COUNT);
#undef KEEL_COUNT
static_assert(std::size(kEntries) == kCount, "every op table line must become one entry");

// gtest prints a parameter by its id.
void PrintTo(const Entry& e, std::ostream* os) { *os << e.id; }

// ---- what the test needs of each entry ------------------------------------------------------

struct Registration {
  GoldenOp op;                 // the entry run on inputs and a golden case's args
  std::function<V()> sample;   // float64 gradcheck inputs; those requiring grad are checked
  json args = json::object();  // the args the gradcheck runs op with
  double eps = 1e-6;           // the gradcheck's finite-difference step
};

// Sample helpers: a float64 leaf requiring grad, or a constant.
Tensor r(const Dims& s, std::uint64_t seed, double lo = -1.0, double hi = 1.0) {
  return rand_input(s, lo, hi, seed);
}
Tensor c(const Dims& s, std::uint64_t seed, double lo = -1.0, double hi = 1.0) {
  return rand_input(s, lo, hi, seed).detach();
}
Tensor ints(const std::vector<std::int64_t>& v, const Dims& s) {
  return from_vector(v, Dims{static_cast<std::int64_t>(v.size())}).to(kInt64).reshape(s);
}
// Distinct values `gap` apart around 0 in a seeded order (none at 0), so max/min/clamp/abs
// have no ties or kinks within the gradcheck's step.
Tensor spread(const Dims& s, std::uint64_t seed, double gap = 0.1) {
  std::vector<double> v(static_cast<std::size_t>(s.numel()));
  for (std::size_t i = 0; i < v.size(); ++i)
    v[i] = (static_cast<double>(i) - static_cast<double>(v.size()) / 2) * gap + gap / 4;
  std::shuffle(v.begin(), v.end(), std::mt19937_64(seed));
  return from_vector(v, Dims{s.numel()}).reshape(s).contiguous().detach().requires_grad_();
}

nn::Pair pair(const json& j) { return nn::Pair(j[0].get<std::int64_t>(), j[1].get<std::int64_t>()); }
nn::Pair opt_stride(const json& a) { return a.contains("stride") ? pair(a["stride"]) : nn::Pair(); }
Dims dims(const json& j) { return Dims(j.get<std::vector<std::int64_t>>()); }
nn::Reduction red(const json& a) { return nn::parse_reduction(a.at("reduction").get<std::string>()); }
Tensor opt(const V& x, std::size_t i) { return x.size() > i ? x[i] : Tensor(); }

// Running statistics a normalization golden case starts from (fresh copies: the op updates them).
Tensor stat(const json& a, const char* key, DType dt) {
  return a.contains(key) ? from_vector(a[key].get<std::vector<double>>()).to(dt) : Tensor();
}

// ---- the registrations ------------------------------------------------------------------------

std::map<std::string, Registration> registry() {
  std::map<std::string, Registration> m;
  // Simple unary ops: everything comes from their table line.
#define KEEL_SIMPLE_REGISTER(Kernel, fn, Node, saved, domain, ...)               \
  m[#fn] = {[](const V& x, const json&) { return keel::fn(x[0]); },              \
            [] {                                                                 \
              const bool pos = table::Domain::domain == table::Domain::Positive; \
              return V{r({3, 5}, 11, pos ? 0.2 : -2.0, 2.0)};                    \
            }};
  KEEL_SIMPLE_UNARY_OPS(KEEL_SIMPLE_REGISTER)
#undef KEEL_SIMPLE_REGISTER

  // Arithmetic.
  m["add"] = {[](const V& x, const json& a) { return add(x[0], x[1], a.value("alpha", 1.0)); },
              [] {
                return V{r({3, 4}, 1), r({4}, 2)};
              },
              {{"alpha", 2.5}}};
  m["add_scalar"] = {[](const V& x, const json& a) { return add(x[0], a["s"].get<double>()); },
                     [] {
                       return V{r({3, 4}, 1)};
                     },
                     {{"s", 1.5}}};
  m["sub"] = {[](const V& x, const json&) { return sub(x[0], x[1]); },
              [] {
                return V{r({3, 4}, 1), r({3, 1}, 2)};
              }};
  m["rsub_scalar"] = {[](const V& x, const json& a) { return a["s"].get<double>() - x[0]; },
                      [] {
                        return V{r({3, 4}, 1)};
                      },
                      {{"s", 2.0}}};
  m["mul"] = {[](const V& x, const json&) { return mul(x[0], x[1]); },
              [] {
                return V{r({3, 1}, 1), r({1, 4}, 2)};
              }};
  m["div"] = {[](const V& x, const json&) { return div(x[0], x[1]); },
              [] {
                return V{r({3, 4}, 1), r({4}, 2, 0.5, 2.0)};
              }};
  m["rdiv_scalar"] = {[](const V& x, const json& a) { return a["s"].get<double>() / x[0]; },
                      [] {
                        return V{r({3, 4}, 1, 0.5, 2.0)};
                      },
                      {{"s", 3.0}}};
  m["neg"] = {[](const V& x, const json&) { return neg(x[0]); }, [] { return V{r({3, 4}, 1)}; }};
  m["maximum"] = {[](const V& x, const json&) { return maximum(x[0], x[1]); },
                  [] {
                    return V{spread({3, 4}, 1), spread({4}, 2, 0.13)};
                  }};
  m["minimum"] = {[](const V& x, const json&) { return minimum(x[0], x[1]); },
                  [] {
                    return V{spread({3, 4}, 1), spread({4}, 2, 0.13)};
                  }};

  // In-place methods run on a clone (a non-leaf, as PyTorch requires of a leaf needing grad),
  // so the gradcheck reaches the original input through the in-place node and CloneBackward0.
  m["add_"] = {[](const V& x, const json& a) {
                 Tensor y = x[0].clone();
                 y.add_(x[1], a.value("alpha", 1.0));
                 return y;
               },
               [] {
                 return V{r({3, 4}, 1), r({4}, 2)};
               },
               {{"alpha", 2.5}}};
  m["sub_"] = {[](const V& x, const json&) {
                 Tensor y = x[0].clone();
                 y.sub_(x[1]);
                 return y;
               },
               [] {
                 return V{r({3, 4}, 1), r({3, 1}, 2)};
               }};
  m["mul_"] = {[](const V& x, const json&) {
                 Tensor y = x[0].clone();
                 y.mul_(x[1]);
                 return y;
               },
               [] {
                 return V{r({3, 4}, 1), r({4}, 2)};
               }};
  m["div_"] = {[](const V& x, const json&) {
                 Tensor y = x[0].clone();
                 y.div_(x[1]);
                 return y;
               },
               [] {
                 return V{r({3, 4}, 1), r({3, 4}, 2, 0.5, 2.0)};
               }};

  // Unary math and activations with parameters.
  m["pow_scalar"] = {[](const V& x, const json& a) { return pow(x[0], a["p"].get<double>()); },
                     [] {
                       return V{r({3, 4}, 1, 0.2, 2.0)};
                     },
                     {{"p", 2.5}}};
  m["pow_tensor"] = {[](const V& x, const json&) { return pow(x[0], x[1]); },
                     [] {
                       return V{r({3, 4}, 1, 0.3, 2.0), r({4}, 2, -2.0, 2.0)};
                     }};
  m["abs"] = {[](const V& x, const json&) { return abs(x[0]); }, [] { return V{spread({3, 4}, 1)}; }};
  m["sign"] = {[](const V& x, const json&) { return sign(x[0]); }, [] { return V{spread({3, 4}, 1)}; }};
  m["clamp"] = {[](const V& x, const json& a) { return clamp(x[0], a["min"], a["max"]); },
                [] {
                  return V{spread({3, 4}, 1)};
                },
                {{"min", -0.27}, {"max", 0.33}}};
  m["clamp_min"] = {[](const V& x, const json& a) { return clamp_min(x[0], a["min"]); },
                    [] {
                      return V{spread({3, 4}, 1)};
                    },
                    {{"min", -0.27}}};
  m["clamp_max"] = {[](const V& x, const json& a) { return clamp_max(x[0], a["max"]); },
                    [] {
                      return V{spread({3, 4}, 1)};
                    },
                    {{"max", 0.33}}};
  m["relu"] = {[](const V& x, const json&) { return relu(x[0]); }, [] { return V{spread({3, 4}, 1)}; }};
  m["gelu"] = {[](const V& x, const json& a) { return gelu(x[0], a["approximate"].get<std::string>()); },
               [] {
                 return V{r({3, 4}, 1, -3.0, 3.0)};
               },
               {{"approximate", "none"}}};
  m["gelu_tanh"] = {m["gelu"].op, [] { return V{r({3, 4}, 1, -3.0, 3.0)}; }, {{"approximate", "tanh"}}};
  m["leaky_relu"] = {[](const V& x, const json& a) { return leaky_relu(x[0], a["slope"]); },
                     [] {
                       return V{spread({3, 4}, 1)};
                     },
                     {{"slope", 0.2}}};
  m["elu"] = {[](const V& x, const json& a) { return elu(x[0], a["alpha"]); },
              [] {
                return V{spread({3, 4}, 1)};
              },
              {{"alpha", 1.3}}};

  m["clamp_"] = {[](const V& x, const json& a) {
                   Tensor y = x[0].clone();
                   y.clamp_(a["min"], a["max"]);
                   return y;
                 },
                 [] {
                   return V{spread({3, 4}, 1)};
                 },
                 {{"min", -0.27}, {"max", 0.33}}};

  // Selection and indexing.
  m["where"] = {[](const V& x, const json&) { return where(x[0], x[1], x[2]); },
                [] {
                  return V{c({3, 4}, 1).gt(0.0), r({4}, 2), r({3, 1}, 3)};
                }};
  m["masked_fill"] = {[](const V& x, const json& a) { return masked_fill(x[0], x[1], a["value"]); },
                      [] {
                        return V{r({3, 4}, 1), c({4}, 2).gt(0.0)};
                      },
                      {{"value", 2.0}}};
  m["masked_fill_"] = {[](const V& x, const json& a) {
                         Tensor y = x[0].clone();
                         y.masked_fill_(x[1], a["value"]);
                         return y;
                       },
                       [] {
                         return V{r({3, 4}, 1), c({4}, 2).gt(0.0)};
                       },
                       {{"value", 2.0}}};
  m["cat"] = {[](const V& x, const json& a) { return cat(x, a["dim"].get<std::int64_t>()); },
              [] {
                return V{r({2, 3}, 1), r({2, 1}, 2), r({2, 2}, 3)};
              },
              {{"dim", 1}}};
  m["stack"] = {[](const V& x, const json& a) { return stack(x, a["dim"].get<std::int64_t>()); },
                [] {
                  return V{r({2, 3}, 1), r({2, 3}, 2)};
                },
                {{"dim", -1}}};
  m["index_select"] = {
      [](const V& x, const json& a) { return index_select(x[0], a["dim"].get<std::int64_t>(), x[1]); },
      [] {
        return V{r({2, 3, 4}, 1), ints({2, 0, 2, 1}, {4})};
      },
      {{"dim", 1}}};
  // The gradcheck runs without padding_idx: the padding row's zero gradient is by definition
  // not the numeric one. The golden case covers padding (and repeated indices adding up).
  m["embedding"] = {[](const V& x, const json& a) {
                      std::optional<std::int64_t> pad;
                      if (!a["padding_idx"].is_null()) pad = a["padding_idx"].get<std::int64_t>();
                      return F::embedding(x[0], x[1], pad);
                    },
                    [] {
                      return V{r({5, 3}, 1), ints({1, 4, 1, 0, 4, 2}, {2, 3})};
                    },
                    {{"padding_idx", nullptr}}};
  m["gather"] = {[](const V& x, const json& a) { return gather(x[0], a["dim"].get<std::int64_t>(), x[1]); },
                 [] {
                   return V{r({4, 4}, 1), ints({0, 3, 3, 1, 2, 2}, {3, 2})};
                 },
                 {{"dim", 1}}};

  // Reductions.
  m["sum"] = {[](const V& x, const json&) { return sum(x[0]); }, [] { return V{r({3, 4}, 1)}; }};
  m["sum_dim"] = {[](const V& x, const json& a) { return sum(x[0], dims(a["dims"]), a["keepdim"]); },
                  [] {
                    return V{r({2, 3, 4}, 1)};
                  },
                  {{"dims", {0, 2}}, {"keepdim", true}}};
  m["mean"] = {[](const V& x, const json&) { return mean(x[0]); }, [] { return V{r({3, 4}, 1)}; }};
  m["mean_dim"] = {[](const V& x, const json& a) { return mean(x[0], dims(a["dims"]), a["keepdim"]); },
                   [] {
                     return V{r({2, 3, 4}, 1)};
                   },
                   {{"dims", {1}}, {"keepdim", false}}};
  m["var"] = {
      [](const V& x, const json& a) { return var(x[0], dims(a["dims"]), a["unbiased"], a["keepdim"]); },
      [] {
        return V{r({3, 4}, 1)};
      },
      {{"dims", {1}}, {"unbiased", true}, {"keepdim", false}}};
  m["std"] = {
      [](const V& x, const json& a) { return keel::std(x[0], dims(a["dims"]), a["unbiased"], a["keepdim"]); },
      [] {
        return V{r({3, 4}, 1)};
      },
      {{"dims", {1}}, {"unbiased", true}, {"keepdim", false}}};
  m["norm"] = {[](const V& x, const json& a) {
                 return norm(x[0], std::stod(a["p"].get<std::string>()), dims(a["dims"]), a["keepdim"]);
               },
               [] {
                 return V{r({2, 3, 4}, 1)};
               },
               {{"p", "3.0"}, {"dims", {0, 2}}, {"keepdim", true}}};
  m["norm_all"] = {[](const V& x, const json& a) { return norm(x[0], std::stod(a["p"].get<std::string>())); },
                   [] {
                     return V{r({3, 4}, 1)};
                   },
                   {{"p", "2.0"}}};
  m["amax"] = {[](const V& x, const json& a) { return amax(x[0], dims(a["dims"]), a["keepdim"]); },
               [] {
                 return V{spread({3, 4}, 1)};
               },
               {{"dims", {1}}, {"keepdim", false}}};
  m["amin"] = {[](const V& x, const json& a) { return amin(x[0], dims(a["dims"]), a["keepdim"]); },
               [] {
                 return V{spread({3, 4}, 1)};
               },
               {{"dims", {0}}, {"keepdim", false}}};
  m["max"] = {[](const V& x, const json&) { return max(x[0]); }, [] { return V{spread({3, 4}, 1)}; }};
  m["min"] = {[](const V& x, const json&) { return min(x[0]); }, [] { return V{spread({3, 4}, 1)}; }};
  m["max_dim"] = {[](const V& x, const json& a) { return std::get<0>(max(x[0], a["dim"], a["keepdim"])); },
                  [] {
                    return V{spread({2, 3, 4}, 1)};
                  },
                  {{"dim", 0}, {"keepdim", true}}};
  m["min_dim"] = {[](const V& x, const json& a) { return std::get<0>(min(x[0], a["dim"], a["keepdim"])); },
                  [] {
                    return V{spread({2, 3, 4}, 1)};
                  },
                  {{"dim", -1}, {"keepdim", false}}};
  m["softmax"] = {[](const V& x, const json& a) { return softmax(x[0], a["dim"]); },
                  [] {
                    return V{r({2, 3, 4}, 1)};
                  },
                  {{"dim", 1}}};
  m["log_softmax"] = {[](const V& x, const json& a) { return log_softmax(x[0], a["dim"]); },
                      [] {
                        return V{r({2, 3, 4}, 1)};
                      },
                      {{"dim", 1}}};

  // Linear algebra.
  m["matmul"] = {[](const V& x, const json&) { return matmul(x[0], x[1]); },
                 [] {
                   return V{r({2, 3, 4}, 1), r({2, 4, 2}, 2)};
                 }};
  m["mm"] = {[](const V& x, const json&) { return mm(x[0], x[1]); },
             [] {
               return V{r({3, 4}, 1), r({4, 2}, 2)};
             }};
  m["bmm"] = {[](const V& x, const json&) { return bmm(x[0], x[1]); },
              [] {
                return V{r({2, 3, 4}, 1), r({2, 4, 2}, 2)};
              }};
  m["addmm"] = {[](const V& x, const json& a) {
                  return addmm(x[0], x[1], x[2], a.value("beta", 1.0), a.value("alpha", 1.0));
                },
                [] {
                  return V{r({2}, 1), r({3, 4}, 2), r({4, 2}, 3)};
                },
                {{"beta", 0.5}, {"alpha", 2.0}}};
  m["linear"] = {[](const V& x, const json&) { return F::linear(x[0], x[1], opt(x, 2)); },
                 [] {
                   return V{r({3, 4}, 1), r({2, 4}, 2), r({2}, 3)};
                 }};

  // Convolution and pooling.
  m["conv2d"] = {[](const V& x, const json& a) {
                   return F::conv2d(x[0], x[1], opt(x, 2), pair(a["stride"]), pair(a["padding"]),
                                    pair(a["dilation"]), a["groups"].get<std::int64_t>());
                 },
                 [] {
                   return V{r({1, 2, 5, 5}, 1), r({2, 1, 2, 2}, 2), r({2}, 3)};
                 },
                 {{"stride", {2, 1}}, {"padding", {1, 1}}, {"dilation", {1, 2}}, {"groups", 2}}};
  m["conv1d"] = {[](const V& x, const json& a) {
                   return F::conv1d(x[0], x[1], opt(x, 2), a["stride"].get<std::int64_t>(),
                                    a["padding"].get<std::int64_t>(), a["dilation"].get<std::int64_t>(),
                                    a["groups"].get<std::int64_t>());
                 },
                 [] {
                   return V{r({2, 4, 7}, 1), r({4, 2, 3}, 2), r({4}, 3)};
                 },
                 {{"stride", 2}, {"padding", 1}, {"dilation", 2}, {"groups", 2}}};
  m["max_pool2d"] = {[](const V& x, const json& a) {
                       return F::max_pool2d(x[0], pair(a["kernel"]), opt_stride(a), pair(a["padding"]),
                                            pair(a["dilation"]), a["ceil_mode"].get<bool>());
                     },
                     [] {
                       return V{spread({1, 2, 5, 5}, 1, 0.05)};
                     },
                     {{"kernel", {3, 3}},
                      {"stride", {2, 2}},
                      {"padding", {1, 1}},
                      {"dilation", {1, 1}},
                      {"ceil_mode", false}}};
  // The same kernel and node as max_pool2d; the values are checked here, the indices by the
  // pooling tests.
  m["max_pool2d_with_indices"] = {[](const V& x, const json& a) {
                                    return std::get<0>(F::max_pool2d_with_indices(
                                        x[0], pair(a["kernel"]), opt_stride(a), pair(a["padding"]),
                                        pair(a["dilation"]), a["ceil_mode"].get<bool>()));
                                  },
                                  m["max_pool2d"].sample, m["max_pool2d"].args};
  m["avg_pool2d"] = {[](const V& x, const json& a) {
                       return F::avg_pool2d(x[0], pair(a["kernel"]), opt_stride(a), pair(a["padding"]),
                                            a["ceil_mode"].get<bool>(), a["count_include_pad"].get<bool>());
                     },
                     [] {
                       return V{r({1, 2, 5, 5}, 1)};
                     },
                     {{"kernel", {3, 3}},
                      {"stride", {2, 2}},
                      {"padding", {1, 1}},
                      {"ceil_mode", true},
                      {"count_include_pad", false}}};
  m["adaptive_avg_pool2d"] = {
      [](const V& x, const json& a) { return F::adaptive_avg_pool2d(x[0], pair(a["output_size"])); },
      [] {
        return V{r({1, 2, 5, 7}, 1)};
      },
      {{"output_size", {3, 4}}}};

  // Normalization: the golden cases are the modules' (args name the layer); these call the
  // functional forms with the same settings.
  m["batch_norm"] = {[](const V& x, const json& a) {
                       const DType dt = x[0].dtype();
                       return F::batch_norm(x[0], stat(a, "running_mean", dt), stat(a, "running_var", dt),
                                            opt(x, 1), opt(x, 2), a.value("training", true), 0.1, 1e-5);
                     },
                     [] {
                       return V{r({3, 2, 2, 2}, 1), r({2}, 2, 0.5, 1.5), r({2}, 3)};
                     },
                     {{"training", true}}};
  m["batch_norm_relu"] = {[](const V& x, const json& a) {
                            const DType dt = x[0].dtype();
                            return F::batch_norm_relu(x[0], stat(a, "running_mean", dt),
                                                      stat(a, "running_var", dt), opt(x, 1), opt(x, 2),
                                                      a.value("training", true), 0.1, 1e-5);
                          },
                          [] {
                            return V{r({4, 2, 3}, 1, -1.0, 1.5), r({2}, 2, 0.5, 1.5), r({2}, 3)};
                          },
                          {{"training", true}}};
  m["batch_norm_relu_max_pool2d"] = {
      [](const V& x, const json& a) {
        const DType dt = x[0].dtype();
        return F::batch_norm_relu_max_pool2d(x[0], stat(a, "running_mean", dt), stat(a, "running_var", dt),
                                             opt(x, 1), opt(x, 2), a.value("training", true), 0.1, 1e-5);
      },
      [] {
        return V{r({3, 2, 4, 6}, 1, -1.0, 1.5), r({2}, 2, 0.5, 1.5), r({2}, 3)};
      },
      {{"training", true}}};
  // In one rank (the local group) the whole golden batch is that rank's; tests/nn/
  // sync_batch_norm_test.cpp replays the same cases split over several ranks.
  m["sync_batch_norm"] = {[](const V& x, const json& a) {
                            const DType dt = x[0].dtype();
                            return ops::sync_batch_norm(x[0], stat(a, "running_mean", dt),
                                                        stat(a, "running_var", dt), opt(x, 1), opt(x, 2),
                                                        true, a.value("momentum", 0.1), a.value("eps", 1e-5),
                                                        dist::local_group());
                          },
                          [] {
                            return V{r({3, 2, 2, 2}, 1), r({2}, 2, 0.5, 1.5), r({2}, 3)};
                          }};
  m["layer_norm"] = {
      [](const V& x, const json& a) { return F::layer_norm(x[0], dims(a["shape"]), opt(x, 1), opt(x, 2)); },
      [] {
        return V{r({2, 3, 4}, 1), r({3, 4}, 2, 0.5, 1.5), r({3, 4}, 3)};
      },
      {{"shape", {3, 4}}}};
  m["instance_norm"] = {[](const V& x, const json& a) {
                          const DType dt = x[0].dtype();
                          return F::instance_norm(x[0], stat(a, "running_mean", dt),
                                                  stat(a, "running_var", dt), opt(x, 1), opt(x, 2),
                                                  a.value("training", true), 0.1, 1e-5);
                        },
                        [] {
                          return V{r({2, 2, 3, 2}, 1), r({2}, 2, 0.5, 1.5), r({2}, 3)};
                        }};
  m["group_norm"] = {[](const V& x, const json& a) {
                       return F::group_norm(x[0], a["groups"].get<std::int64_t>(), opt(x, 1), opt(x, 2));
                     },
                     [] {
                       return V{r({2, 4, 3}, 1), r({4}, 2, 0.5, 1.5), r({4}, 3)};
                     },
                     {{"groups", 2}}};
  // Dropout draws its mask from keel's generator: the gradcheck reseeds it on every call so
  // each evaluation sees the same mask.
  m["dropout"] = {[](const V& x, const json& a) {
                    manual_seed(5);
                    return F::dropout(x[0], a["p"], a["training"]);
                  },
                  [] {
                    return V{r({4, 5}, 1)};
                  },
                  {{"p", 0.4}, {"training", true}}};
  m["dropout2d"] = {[](const V& x, const json& a) {
                      manual_seed(5);
                      return F::dropout2d(x[0], a["p"], a["training"]);
                    },
                    [] {
                      return V{r({2, 3, 2, 2}, 1)};
                    },
                    {{"p", 0.4}, {"training", true}}};

  // Losses and penalties.
  m["cross_entropy"] = {
      [](const V& x, const json& a) { return F::cross_entropy(x[0], x[1], Tensor(), -100, red(a)); },
      [] {
        return V{r({4, 3}, 1, -2.0, 2.0), ints({0, 2, -100, 1}, {4})};
      },
      {{"reduction", "mean"}}};
  m["cross_entropy_composed"] = {
      [](const V& x, const json& a) {
        return F::cross_entropy(x[0], x[1], opt(x, 2), -100, red(a), a.value("label_smoothing", 0.0));
      },
      [] {
        return V{r({4, 3}, 1, -2.0, 2.0), ints({0, 2, -100, 1}, {4}), c({3}, 2, 0.5, 1.5)};
      },
      {{"reduction", "mean"}, {"label_smoothing", 0.2}}};
  m["nll_loss"] = {[](const V& x, const json& a) { return F::nll_loss(x[0], x[1], opt(x, 2), -100, red(a)); },
                   [] {
                     return V{r({4, 3}, 1, -2.0, 0.0), ints({0, 2, -100, 1}, {4}), c({3}, 2, 0.5, 1.5)};
                   },
                   {{"reduction", "mean"}}};
  m["mse_loss"] = {[](const V& x, const json& a) { return F::mse_loss(x[0], x[1], red(a)); },
                   [] {
                     return V{r({3, 4}, 1), r({3, 4}, 2)};
                   },
                   {{"reduction", "mean"}}};
  m["l1_loss"] = {[](const V& x, const json& a) { return F::l1_loss(x[0], x[1], red(a)); },
                  [] {
                    return V{spread({3, 4}, 1), spread({3, 4}, 2, 0.13)};
                  },
                  {{"reduction", "mean"}}};
  m["binary_cross_entropy"] = {
      [](const V& x, const json& a) {
        return binary_cross_entropy(x[0], x[1], opt(x, 2), a["reduction"].get<std::string>());
      },
      [] {
        return V{r({3, 4}, 1, 0.05, 0.95), r({3, 4}, 2, 0.0, 1.0), c({4}, 3, 0.5, 1.5)};
      },
      {{"reduction", "mean"}}};
  m["binary_cross_entropy_with_logits"] = {
      [](const V& x, const json& a) {
        return F::binary_cross_entropy_with_logits(x[0], x[1], Tensor(),
                                                   a.value("pos_weight", false) ? x[2] : Tensor(), red(a));
      },
      [] {
        return V{r({3, 4}, 1, -3.0, 3.0), r({3, 4}, 2, 0.0, 1.0), c({4}, 3, 0.5, 1.5)};
      },
      {{"reduction", "mean"}, {"pos_weight", true}}};
  m["l1_penalty"] = {[](const V& x, const json&) { return nn::l1_penalty(x); },
                     [] {
                       return V{spread({2, 3}, 1), spread({4}, 2, 0.13)};
                     }};
  m["l2_penalty"] = {[](const V& x, const json&) { return nn::l2_penalty(x); },
                     [] {
                       return V{r({2, 3}, 1), r({4}, 2)};
                     }};
  m["elastic_net_penalty"] = {
      [](const V& x, const json& a) { return nn::elastic_net_penalty(x, a["alpha"]); },
      [] {
        return V{spread({2, 3}, 1), spread({4}, 2, 0.13)};
      },
      {{"alpha", 0.3}}};

  // Views and copies: their gradcheck runs them on a non-contiguous (transposed) base too.
  const auto base = [] { return V{r({2, 3, 4}, 1)}; };
  m["view"] = {
      [](const V& x, const json& a) { return x[0].view(dims(a["shape"])); }, base, {{"shape", {4, 6}}}};
  m["reshape"] = {[](const V& x, const json& a) {
                    return x[0].transpose(a["transpose"][0], a["transpose"][1]).reshape(dims(a["shape"]));
                  },
                  base,
                  {{"shape", {12, 2}}, {"transpose", {0, 2}}}};
  m["flatten"] = {[](const V& x, const json& a) { return x[0].flatten(a["start"], a["end"]); },
                  base,
                  {{"start", 1}, {"end", -1}}};
  m["transpose"] = {[](const V& x, const json& a) { return x[0].transpose(a["dim0"], a["dim1"]); },
                    base,
                    {{"dim0", 0}, {"dim1", 2}}};
  m["t"] = {[](const V& x, const json&) { return x[0].t(); }, [] { return V{r({3, 4}, 1)}; }};
  m["permute"] = {
      [](const V& x, const json& a) { return x[0].permute(dims(a["dims"])); }, base, {{"dims", {2, 0, 1}}}};
  m["narrow"] = {[](const V& x, const json& a) { return x[0].narrow(a["dim"], a["start"], a["length"]); },
                 base,
                 {{"dim", 2}, {"start", 1}, {"length", 2}}};
  m["slice"] = {
      [](const V& x, const json& a) { return x[0].slice(a["dim"], a["start"], a["end"], a["step"]); },
      base,
      {{"dim", 2}, {"start", 0}, {"end", 4}, {"step", 2}}};
  m["select"] = {[](const V& x, const json& a) { return x[0].select(a["dim"], a["index"]); },
                 base,
                 {{"dim", 1}, {"index", 2}}};
  m["squeeze"] = {[](const V& x, const json& a) { return x[0].squeeze(a["dim"].get<std::int64_t>()); },
                  [] {
                    return V{r({2, 1, 4}, 1)};
                  },
                  {{"dim", 1}}};
  m["unsqueeze"] = {[](const V& x, const json& a) { return x[0].unsqueeze(a["dim"]); }, base, {{"dim", 1}}};
  m["expand"] = {[](const V& x, const json& a) { return x[0].expand(dims(a["shape"])); },
                 [] {
                   return V{r({2, 1, 4}, 1)};
                 },
                 {{"shape", {2, 3, 4}}}};
  m["clone"] = {[](const V& x, const json&) { return x[0].clone(); }, base};
  // In-place copies and fills on a clone. The old values get a zero gradient, which the
  // gradcheck confirms numerically. uniform_ and normal_ use an empty range and std 0 so the
  // values need no generator (keel's and PyTorch's streams differ) and match PyTorch exactly.
  m["copy_"] = {[](const V& x, const json&) {
                  Tensor y = x[0].clone();
                  y.copy_(x[1]);
                  return y;
                },
                [] {
                  return V{r({3, 4}, 1), r({4}, 2)};
                }};
  m["fill_"] = {[](const V& x, const json& a) {
                  Tensor y = x[0].clone();
                  y.fill_(a["value"]);
                  return y;
                },
                [] {
                  return V{r({3, 4}, 1)};
                },
                {{"value", 2.0}}};
  m["zero_"] = {[](const V& x, const json&) {
                  Tensor y = x[0].clone();
                  y.zero_();
                  return y;
                },
                [] {
                  return V{r({3, 4}, 1)};
                }};
  m["uniform_"] = {[](const V& x, const json& a) {
                     Tensor y = x[0].clone();
                     uniform_(y, a["from"], a["to"]);
                     return y;
                   },
                   [] {
                     return V{r({3, 4}, 1)};
                   },
                   {{"from", 0.25}, {"to", 0.25}}};
  m["normal_"] = {[](const V& x, const json& a) {
                    Tensor y = x[0].clone();
                    normal_(y, a["mean"], a["std"]);
                    return y;
                  },
                  [] {
                    return V{r({3, 4}, 1)};
                  },
                  {{"mean", 0.25}, {"std", 0.0}}};
  // The golden case converts to the other float dtype; the gradcheck goes float64 -> float32 -> back.
  // Its values and step are exact in float32, so the round trip loses nothing.
  m["to"] = {[](const V& x, const json& a) {
               if (a.contains("dtype")) return x[0].to(a["dtype"] == "float64" ? kFloat64 : kFloat32);
               return x[0].to(kFloat32).to(kFloat64);
             },
             [] {
               return V{spread({2, 3}, 1, 0.125)};
             },
             json::object(), 1.0 / 64};
  return m;
}

const std::map<std::string, Registration>& conformance() {
  static const std::map<std::string, Registration> m = registry();
  return m;
}

// The entry's op on its gradcheck inputs converted to dtype dt (only the floating ones).
Tensor run_as(const Registration& c, const V& inputs, DType dt) {
  V in;
  for (const Tensor& t : inputs) in.push_back(t.is_floating_point() ? t.detach().to(dt) : t);
  return c.op(in, c.args);
}

}  // namespace

TEST(OpTable, HasUniqueIdsAndCompleteColumns) {
  std::set<std::string> ids;
  for (const Entry& e : kEntries) {
    SCOPED_TRACE(e.id);
    EXPECT_TRUE(ids.insert(e.id).second) << "duplicate op table id";
    EXPECT_NE(std::string(e.backward), "") << "no backward node";
    EXPECT_NE(e.dtypes & table::F64, 0u)
        << "every differentiable op takes float64 (the gradcheck runs in it)";
    EXPECT_NE(std::string(e.golden_case), "") << "no golden case";
  }
  EXPECT_GE(std::size(kEntries), 105u);  // the ops keel had when the in-place methods joined the table
}

// Every table entry has a registration, and every registration is a table entry.
TEST(OpTable, EveryEntryIsRegisteredForConformance) {
  std::set<std::string> ids;
  for (const Entry& e : kEntries) {
    ids.insert(e.id);
    EXPECT_TRUE(conformance().count(e.id))
        << "op table entry '" << e.id << "' has no registration in tests/ops/conformance_test.cpp";
  }
  for (const auto& [id, c] : conformance())
    EXPECT_TRUE(ids.count(id)) << "'" << id << "' is not in the op table";
}

class Conformance : public ::testing::TestWithParam<Entry> {};

// Float64 finite differences agree with the op's backward, whose root node is the table's.
TEST_P(Conformance, GradcheckAndBackwardNode) {
  const Entry& e = GetParam();
  auto it = conformance().find(e.id);
  ASSERT_NE(it, conformance().end()) << "no registration";
  const auto& c = it->second;
  const V inputs = c.sample();
  Tensor out = c.op(inputs, c.args);
  ASSERT_TRUE(out.grad_fn()) << e.id << " records no backward";
  EXPECT_EQ(std::string(out.grad_fn()->name()), e.backward);
  EXPECT_GRADCHECK([&c](const V& x) { return c.op(x, c.args); }, inputs, c.eps);
}

// The op accepts each dtype the table lists: float32 gives float32 values close to float64's,
// int64 runs.
TEST_P(Conformance, AcceptsTheListedDtypes) {
  const Entry& e = GetParam();
  auto it = conformance().find(e.id);
  ASSERT_NE(it, conformance().end()) << "no registration";
  const auto& c = it->second;
  const V inputs = c.sample();
  NoGradGuard no_grad;
  const Tensor ref = run_as(c, inputs, kFloat64);
  if (e.dtypes & table::F32) {
    Tensor out = run_as(c, inputs, kFloat32);
    if (std::string(e.id) != "to") {
      EXPECT_EQ(out.dtype(), kFloat32);
    }
    EXPECT_LT(keel::testing::max_abs_diff(out, ref), 1e-4 * (1.0 + ref.abs().max().item()));
  }
  if (e.dtypes & table::I64) {
    Tensor out;
    EXPECT_NO_THROW(out = run_as(c, V(inputs), kInt64)) << "int64";
  }
}

// PyTorch's values and gradients for the table's golden case.
TEST_P(Conformance, MatchesPyTorchGoldenCase) {
  const Entry& e = GetParam();
  auto it = conformance().find(e.id);
  ASSERT_NE(it, conformance().end()) << "no registration";
  EXPECT_TRUE(keel::testing::check_golden_case(e.golden_family, e.golden_case, it->second.op));
}

INSTANTIATE_TEST_SUITE_P(OpTable, Conformance, ::testing::ValuesIn(kEntries),
                         [](const ::testing::TestParamInfo<Entry>& info) {
                           return std::string(info.param.id);
                         });
