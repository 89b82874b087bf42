// Alerts for people (`picket run --format text`): a short block per alert
// with the rule, severity, new terms, event time and origin, and optionally
// the rule's investigation guide (its `note`), followed by a blank line.
//
// An EQL sequence is one block, not one per alert: its shell alert prints
// the ALERT header and a `sequence` line; each building block that follows
// it (the detector emits them right after their shell, in event order)
// prints as one indented line beneath with its own event's origin and
// alert id. The guide and the closing blank line come after the last
// building block. NDJSON output keeps every alert, shell and building
// blocks, as separate documents (what Kibana writes).
#pragma once
#include <string>

#include "engine/detector.h"

namespace picket::engine {

struct TextFormatOptions {
  bool guide = false;  // append the investigation guide
  bool color = false;  // ANSI colours (a TTY)
};

// The text for one alert, in emission order (a building block's text only
// makes sense right after its shell's and its earlier siblings').
std::string FormatAlertText(const Alert& alert, const TextFormatOptions& options);

}  // namespace picket::engine
