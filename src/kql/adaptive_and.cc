#include "kql/adaptive_and.h"

#include <algorithm>
#include <numeric>

namespace picket::kql {

AdaptiveAnd::AdaptiveAnd(std::vector<std::unique_ptr<Matcher>> parts, uint32_t sample,
                         uint32_t period)
    : parts_(std::move(parts)),
      order_(parts_.size()),
      passes_(parts_.size(), 0),
      sample_(std::max<uint32_t>(sample, 1)),
      period_(std::max(period, sample_)) {
  std::iota(order_.begin(), order_.end(), 0u);  // as written until a sample is taken
}

bool AdaptiveAnd::Matches(event::Json doc, EvalContext* context) {
  if (seen_ < sample_) {
    // A sampled event: every part, to count each one's rate.
    bool all = true;
    for (size_t i = 0; i < parts_.size(); ++i) {
      bool pass = parts_[i]->Matches(doc, context);
      passes_[i] += pass;
      all &= pass;
    }
    if (++seen_ == sample_) Reorder();
    return all;
  }
  if (++seen_ == period_) {
    seen_ = 0;
    std::fill(passes_.begin(), passes_.end(), 0u);
  }
  for (uint32_t i : order_)
    if (!parts_[i]->Matches(doc, context)) return false;
  return true;
}

void AdaptiveAnd::Reorder() {
  // Rarest first; ties keep the written order.
  std::stable_sort(order_.begin(), order_.end(),
                   [&](uint32_t a, uint32_t b) { return passes_[a] < passes_[b]; });
}

std::vector<std::unique_ptr<Matcher>> CompileConjuncts(const Node& root,
                                                       const event::FieldTypes& types,
                                                       const CompileOptions& options) {
  std::vector<std::unique_ptr<Matcher>> parts;
  if (root.kind != NodeKind::kAnd || root.children.size() < 2) return parts;
  for (const auto& child : root.children) {
    CompileResult r = Compile(*child, types, options);
    if (!r.ok()) return {};
    parts.push_back(std::move(r.matcher));
  }
  return parts;
}

}  // namespace picket::kql
