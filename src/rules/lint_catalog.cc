// The catalogue of lint checks: stable ids, their severity and a one-line
// summary. LintContext::Report takes the severity from here so that a check
// cannot be an error in one place and a warning in another. docs/lint.md
// documents each id; keep the two in the same order.
#include "rules/lint.h"

namespace picket::rules {

const std::vector<LintCheckInfo>& LintChecks() {
  using S = LintSeverity;
  static const std::vector<LintCheckInfo> checks = {
      // File and metadata.
      {"toml-syntax", S::kError, "the file is not valid TOML"},
      {"file-name", S::kWarning, "file name is not lower-case letters, digits and underscores"},
      {"missing-table", S::kError, "[metadata] or [rule] is missing"},
      {"missing-field", S::kError, "a required key is missing or empty"},
      {"field-type", S::kError, "a key has the wrong TOML type"},
      {"date-format", S::kError, "creation_date/updated_date is not a YYYY/MM/DD date"},
      {"date-order", S::kError, "updated_date is before creation_date"},
      {"maturity", S::kError, "maturity is not a known value"},
      {"rule-name", S::kWarning, "name does not start and end with a letter or digit"},
      {"rule-id", S::kError, "rule_id is not a lower-case UUID"},
      {"duplicate-rule-id", S::kError, "two files share a rule_id"},
      {"duplicate-file-name", S::kError, "two files share a file name"},
      {"risk-score", S::kError, "risk_score is not an integer from 0 to 100"},
      {"severity", S::kError, "severity is not low, medium, high or critical"},
      {"severity-band", S::kError, "risk_score is outside the band of its severity"},
      {"rule-type", S::kError, "type is not a detection-rules rule type"},
      {"unsupported-type", S::kWarning,
       "picket does not run this type/language; query checks skipped"},
      {"language", S::kError, "language or query is missing or does not fit the type"},
      {"investigation-guide", S::kWarning, "the rule has no investigation guide (note)"},
      // Schedule and data.
      {"from-format", S::kError, "from is not now-<n><unit>"},
      {"interval-format", S::kError, "interval is not <n>s|m|h|d"},
      {"interval-exceeds-lookback", S::kWarning,
       "interval is longer than the look-back, leaving gaps"},
      {"explicit-from", S::kError, "a rule on Elastic Defend indices has no explicit from"},
      {"max-signals", S::kError, "max_signals is not 1..1000"},
      {"timestamp-override", S::kError,
       "a KQL rule does not set timestamp_override = event.ingested"},
      {"index", S::kError, "index is missing, empty, or set together with data_view_id"},
      // new_terms.
      {"new-terms-shape", S::kError, "[rule.new_terms] is missing or malformed"},
      {"new-terms-fields", S::kError, "new_terms needs 1 to 3 distinct non-empty fields"},
      {"new-terms-window", S::kError,
       "history_window_start is not now-<n><unit> beyond the look-back"},
      {"new-terms-unknown-field", S::kError, "a new_terms field is not in the indices' schema"},
      {"new-terms-field-not-in-event", S::kWarning,
       "the events the query selects do not carry a new_terms field"},
      // alert_suppression.
      {"alert-suppression-shape", S::kError,
       "[rule.alert_suppression] is malformed (group_by 1 to 3 fields, duration, strategy; "
       "threshold rules: a duration only)"},
      {"alert-suppression-unknown-field", S::kError,
       "a group_by field is not in the indices' schema"},
      {"alert-suppression-field-not-in-event", S::kWarning,
       "the events the query selects do not carry a group_by field"},
      // threshold.
      {"threshold-shape", S::kError,
       "[rule.threshold] is missing, its value is below 1, or a cardinality entry is malformed"},
      {"threshold-fields", S::kError, "threshold needs 0 to 5 distinct non-empty fields"},
      {"threshold-unknown-field", S::kError,
       "a threshold or cardinality field is not in the indices' schema"},
      {"threshold-cardinality", S::kWarning,
       "more than one cardinality entry, or a cardinality field that is also grouped on"},
      // ATT&CK.
      {"threat-framework", S::kError, "threat framework is not MITRE ATT&CK or MITRE ATLAS"},
      {"attack-tactic", S::kError, "tactic id unknown or its name does not match"},
      {"attack-technique", S::kError, "technique id unknown or its name does not match"},
      {"attack-reference", S::kError, "reference URL does not match the id"},
      {"attack-deprecated", S::kError, "technique is deprecated or revoked in ATT&CK"},
      {"attack-tactic-mismatch", S::kError, "technique is not under its tactic or parent"},
      {"duplicate-tactic", S::kError, "a tactic is mapped twice"},
      {"file-name-tactic", S::kWarning, "file name does not start with the primary tactic"},
      // Tags.
      {"tag-prefix", S::kError, "tag does not start with a known prefix"},
      {"tag-duplicate", S::kError, "tag is listed twice"},
      {"tag-os", S::kError, "OS tag missing for the rule's directory or host.os.type"},
      {"tag-data-source", S::kError,
       "Elastic Defend rule lacks Domain: Endpoint / Data Source tags"},
      {"tag-tactic", S::kError, "Tactic: tags and the threat mapping disagree"},
      {"tag-investigation-guide", S::kError,
       "Resources: Investigation Guide tag and the note disagree"},
      // Query.
      {"kql-syntax", S::kError, "the query does not parse"},
      {"kql-keyword-case", S::kError,
       "upper-case and/or/not (detection-rules requires lower case)"},
      {"kql-pitfall", S::kWarning, "KQL that does not do what it looks like (?, quoted *, ...)"},
      {"host-os-type", S::kError, "a rule under rules/<os>/ does not test host.os.type"},
      {"unknown-field", S::kError, "a query field is not in the schema of the rule's indices"},
      {"type-mismatch", S::kError, "a value cannot match its field's type"},
      {"keyword-range", S::kWarning, "a numeric range on a keyword field compares as text"},
      {"case-trap", S::kWarning, "a lower-case value misses a known capitalised spelling"},
      {"ecs-allowed-value", S::kError,
       "an event.kind/category/type/outcome value no ECS event can carry"},
      {"ecs-dead-alternative", S::kWarning,
       "such a value is one alternative of a list whose other values can match"},
      {"always-false", S::kError, "the query or a conjunction can never match"},
      {"always-true", S::kWarning, "the query or a disjunction matches every event"},
      // EQL.
      {"eql-syntax", S::kError, "Elasticsearch refuses the EQL query (syntax or verification)"},
      {"join-key-count", S::kError, "sequence or sample stages carry different numbers of by keys"},
      {"eql-pitfall", S::kWarning, "EQL that does not do what it looks like (== \"a*\", regex ^)"},
      {"maxspan-exceeds-lookback", S::kWarning,
       "a sequence's maxspan is longer than the rule's look-back"},
  };
  return checks;
}

const char* LintSeverityName(LintSeverity severity) {
  return severity == LintSeverity::kError ? "error" : "warning";
}

}  // namespace picket::rules
