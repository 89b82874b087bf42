#include "engine/rule_unit.h"

#include <fmt/format.h>

#include "engine/alert_id.h"

namespace picket::engine {

std::string EventRef::Origin() const {
  if (!origin.empty()) return std::string(origin);
  if (line == 0) return std::string(source);
  return fmt::format("{}:{}", source, line);
}

const std::string& EventRef::Identity(std::string_view index) const {
  if (!has_identity_ || identity_index_ != index) {
    identity_ = EventIdentity(index, doc_id, IdentityBytes());
    identity_index_.assign(index);
    has_identity_ = true;
  }
  return identity_;
}

std::string EventIdentityOf(const MatchedEvent& event) { return event.ref.Identity(event.index); }

RuleUnit::RuleUnit(std::shared_ptr<const rules::Rule> rule)
    : rule_(std::move(rule)), rule_uuid_(RuleUuid(rule_->rule_id)) {}

std::vector<Condition> RuleUnit::Conditions(const event::FieldTypes& types) const {
  std::vector<Condition> out(1);
  out[0].matcher = rule_->matcher.get();
  if (rule_->ast) out[0].facts = kql::KqlIndexFacts(*rule_->ast, types);
  return out;
}

}  // namespace picket::engine
