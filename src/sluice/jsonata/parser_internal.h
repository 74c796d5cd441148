#pragma once

// The JSONata tokenizer and Pratt parser, with the reference implementation's AST
// post-processing (see ast_internal.h). Throws JsonataException (S01xx lexical, S02xx
// syntax, S03xx regex, S04xx signature errors) with the position of the offending token.

#include <string_view>

#include "sluice/jsonata/ast_internal.h"

namespace sluice::jsonata {

class FunctionRegistry;

// Parses `source` into `ast` (ast.root set); variables naming functions of `registry` are
// resolved to them (Node::library_function).
void ParseExpression(std::string_view source, const FunctionRegistry& registry, Ast& ast);

}  // namespace sluice::jsonata
