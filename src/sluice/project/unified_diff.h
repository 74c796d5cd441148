#pragma once

// Line diffs of two texts in the unified format `diff -u` prints (`--- a`, `+++ b`,
// `@@ -l,n +l,n @@` hunks with context lines), for `sluice config diff`. Thread-safe.

#include <string>
#include <string_view>

namespace sluice::project {

// The unified diff from `from` to `to` with `context` lines around each change; "" when the
// texts are equal. Texts of more than about four million line pairs are shown as one hunk
// replacing every line.
std::string UnifiedDiff(std::string_view from, std::string_view to, std::string_view from_label,
                        std::string_view to_label, int context = 3);

}  // namespace sluice::project
