// Alerts for people (`picket run --format text`): a short block per alert
// with the rule, severity, new terms, event time and origin, and optionally
// the rule's investigation guide (its `note`).
#pragma once
#include <string>

#include "engine/detector.h"

namespace picket::engine {

struct TextFormatOptions {
  bool guide = false;  // append the investigation guide
  bool color = false;  // ANSI colours (a TTY)
};

std::string FormatAlertText(const Alert& alert, const TextFormatOptions& options);

}  // namespace picket::engine
