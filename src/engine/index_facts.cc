#include "engine/index_facts.h"

namespace picket::engine {

IndexFacts KqlIndexFacts(const kql::Node& root, const event::FieldTypes& types) {
  IndexFacts facts;
  facts.terms = kql::NecessaryTerms(root, types);
  facts.alternatives = kql::NecessaryAlternatives(root, types);
  facts.fields = kql::NecessaryFields(root, types);
  return facts;
}

}  // namespace picket::engine
