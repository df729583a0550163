#include "keel/train/evaluate.h"

#include <cmath>
#include <iomanip>
#include <sstream>

#include "keel/autograd/grad_mode.h"
#include "keel/nn/loss.h"
#include "keel/tensor/factories.h"

namespace keel::train {

std::vector<double> EvalResult::per_class_accuracy() const {
  std::vector<double> out;
  for (std::size_t t = 0; t < confusion.size(); ++t) {
    std::int64_t total = 0;
    for (std::int64_t v : confusion[t]) total += v;
    out.push_back(total ? static_cast<double>(confusion[t][t]) / static_cast<double>(total) : NAN);
  }
  return out;
}

namespace {

// Over the batches `batches` picks: the confusion matrix, the samples and, in `loss`, the sum of
// the losses (finish() turns the sums into means).
template <class ForEachBatch>
EvalResult sums(nn::Module& model, std::int64_t classes, ForEachBatch&& batches) {
  const bool was_training = model.is_training();
  model.eval();
  NoGradGuard no_grad;
  EvalResult r;
  r.confusion.assign(static_cast<std::size_t>(classes),
                     std::vector<std::int64_t>(static_cast<std::size_t>(classes), 0));
  batches([&](const data::Batch& b) {
    Tensor logits = model(b.data);
    KEEL_CHECK(logits.dim() == 2 && logits.size(1) == classes, "evaluate: the model returns ", logits.sizes(),
               " for a batch of ", b.size(), ", expected (", b.size(), ", ", classes, ")");
    r.loss += nn::functional::cross_entropy(logits, b.target, Tensor(), -100, nn::Reduction::Sum).item();
    Tensor pred = logits.argmax(1).contiguous();
    Tensor target = b.target.contiguous();
    const auto* pp = pred.data_ptr<std::int64_t>();
    const auto* tp = target.data_ptr<std::int64_t>();
    for (std::int64_t k = 0; k < b.size(); ++k)
      ++r.confusion[static_cast<std::size_t>(tp[k])][static_cast<std::size_t>(pp[k])];
    r.samples += b.size();
  });
  if (was_training) model.train();
  return r;
}

// The loss sum becomes the mean; the accuracy is the confusion matrix's diagonal.
void finish(EvalResult& r) {
  std::int64_t correct = 0;
  for (std::size_t t = 0; t < r.confusion.size(); ++t) correct += r.confusion[t][t];
  r.loss = r.samples ? r.loss / static_cast<double>(r.samples) : NAN;
  r.accuracy = r.samples ? static_cast<double>(correct) / static_cast<double>(r.samples) : NAN;
}

}  // namespace

EvalResult evaluate(nn::Module& model, data::DataLoader& loader, std::int64_t classes) {
  EvalResult r = sums(model, classes, [&](auto&& visit) {
    for (const data::Batch& b : loader) visit(b);  // unshuffled: every pass sees the same order
  });
  finish(r);
  return r;
}

EvalResult evaluate(nn::Module& model, data::DataLoader& loader, std::int64_t classes,
                    dist::ProcessGroup& group) {
  if (group.size() == 1) return evaluate(model, loader, classes);
  const std::int64_t epoch = loader.epoch();
  EvalResult r = sums(model, classes, [&](auto&& visit) {
    for (std::int64_t i = group.rank(); i < loader.size(); i += group.size()) visit(loader.batch(epoch, i));
  });
  // One allreduce of every sum; the counts stay exact in float64 (far below 2^53).
  const std::size_t k = static_cast<std::size_t>(classes);
  Tensor t = zeros({static_cast<std::int64_t>(2 + k * k)}, kFloat64);
  double* d = t.data_ptr<double>();
  d[0] = r.loss;
  d[1] = static_cast<double>(r.samples);
  for (std::size_t a = 0; a < k; ++a)
    for (std::size_t b = 0; b < k; ++b) d[2 + a * k + b] = static_cast<double>(r.confusion[a][b]);
  group.allreduce(t, dist::ReduceOp::Sum);
  r.loss = d[0];
  r.samples = static_cast<std::int64_t>(d[1]);
  for (std::size_t a = 0; a < k; ++a)
    for (std::size_t b = 0; b < k; ++b) r.confusion[a][b] = static_cast<std::int64_t>(d[2 + a * k + b]);
  finish(r);
  return r;
}

std::string format_per_class(const EvalResult& r, const std::vector<std::string>& names) {
  std::ostringstream os;
  std::size_t w = 5;
  for (const auto& n : names) w = std::max(w, n.size());
  os << std::left << std::setw(static_cast<int>(w)) << "class"
     << "  accuracy  samples\n";
  auto acc = r.per_class_accuracy();
  for (std::size_t t = 0; t < acc.size(); ++t) {
    std::int64_t total = 0;
    for (std::int64_t v : r.confusion[t]) total += v;
    os << std::left << std::setw(static_cast<int>(w)) << (t < names.size() ? names[t] : std::to_string(t))
       << "  " << std::right << std::setw(7) << std::fixed << std::setprecision(2) << acc[t] * 100 << "%  "
       << std::setw(7) << total << "\n";
  }
  return os.str();
}

std::string format_confusion(const EvalResult& r, const std::vector<std::string>& names) {
  std::ostringstream os;
  std::size_t w = 5;
  for (const auto& n : names) w = std::max(w, n.size());
  const std::size_t n = r.confusion.size();
  os << "confusion matrix (rows: true class, columns: predicted class)\n";
  os << std::setw(static_cast<int>(w) + 2) << "";
  for (std::size_t p = 0; p < n; ++p) os << std::right << std::setw(6) << p;
  os << "\n";
  for (std::size_t t = 0; t < n; ++t) {
    std::string label = std::to_string(t) + " " + (t < names.size() ? names[t] : "");
    os << std::left << std::setw(static_cast<int>(w) + 2) << label.substr(0, w + 2);
    for (std::size_t p = 0; p < n; ++p) os << std::right << std::setw(6) << r.confusion[t][p];
    os << "\n";
  }
  return os.str();
}

}  // namespace keel::train
