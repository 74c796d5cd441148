#pragma once

// Finds the warehouse tables a model's SQL reads, without parsing SQL: a small tokenizer
// that skips string literals ('…', E'…', $tag$…$tag$), quoted identifiers ("…", `…`, […])
// and comments (-- to the end of the line, /* … */, nested as PostgreSQL allows), and
// reports every `layer.name` (bare or quoted: "silver"."orders") whose layer is one of
// kLayers. Bare identifiers fold to lower case as both engines compare them; quoted ones
// keep their spelling. It also rewrites references (partition pruning for incremental
// models) and checks that the text is one statement. Pure functions; thread-safe.

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sluice/common/status.h"
#include "sluice/warehouse/warehouse.h"

namespace sluice::warehouse {

// One `layer.name` in the text.
struct SqlTableRef {
  TableName table;
  size_t begin = 0;  // byte offset of the layer token
  size_t end = 0;    // just past the name token
  int line = 1;      // 1-based line of `begin`
  // The FROM-item alias written after the reference (`silver.orders o`, `… AS "O"`), as
  // written; "" when none. `alias_end` is just past it (== end without an alias).
  std::string alias;
  size_t alias_end = 0;
  // `silver.orders.amount`: the reference qualifies a column (it is still a read).
  bool qualifies_column = false;
};

// The table references in `sql`, in text order. InvalidArgument "line N: unterminated …"
// for an unterminated string, quoted identifier or comment.
Result<std::vector<SqlTableRef>> FindTableRefs(std::string_view sql);

// `sql` without trailing semicolons and white space, checked to be one statement that
// starts with SELECT, WITH, VALUES or "(". InvalidArgument "line N: …" otherwise.
Result<std::string> SingleStatement(std::string_view sql);

// The text's tokens, as written, separated by single spaces: comments and layout removed,
// so that a model's hash changes only when its SQL does.
Result<std::string> SqlTokensText(std::string_view sql);

// Replaces each FROM-item reference for which `replacement(ref)` returns text by that text
// followed by ` AS <alias>` (the user's alias, or the table's name when there was none), so
// the rest of the statement still resolves its columns; column-qualifying references to a
// replaced table (`silver.orders.amount`) become `"orders".amount`.
std::string RewriteTableRefs(
    std::string_view sql, const std::vector<SqlTableRef>& refs,
    const std::function<std::optional<std::string>(const SqlTableRef&)>& replacement);

}  // namespace sluice::warehouse
