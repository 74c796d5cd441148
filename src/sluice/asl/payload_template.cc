#include "sluice/asl/payload_template.h"

#include <optional>
#include <utility>

#include "sluice/asl/json_path.h"

namespace sluice::asl {

struct PayloadTemplate::Node {
  enum class Kind { kLiteral, kObject, kArray, kPath, kCall };
  Kind kind = Kind::kLiteral;
  json::value literal;  // kLiteral: a subtree with no `.$` field, copied as is
  // kObject: output key and value, in template order.
  std::vector<std::pair<std::string, Node>> fields;
  std::vector<Node> items;  // kArray
  std::string field;        // kPath / kCall: the template key, with its `.$`
  std::optional<JsonPath> path;
  std::optional<IntrinsicCall> call;
};

namespace {

using Node = PayloadTemplate::Node;

constexpr std::string_view kPathSuffix = ".$";

bool EndsWithPathSuffix(std::string_view key) {
  return key.size() >= kPathSuffix.size() &&
         key.substr(key.size() - kPathSuffix.size()) == kPathSuffix;
}

// Compiles `v`. Returns a literal node when nothing below is dynamic.
Node CompileValue(const json::value& v, const std::string& location,
                  std::vector<Diagnostic>* diagnostics) {
  Node node;
  if (const json::object* o = v.if_object()) {
    bool dynamic = false;
    node.fields.reserve(o->size());
    for (const auto& kv : *o) {
      std::string_view key = kv.key();
      std::string child_location = location + "/" + std::string(key);
      if (!EndsWithPathSuffix(key)) {
        Node child = CompileValue(kv.value(), child_location, diagnostics);
        dynamic = dynamic || child.kind != Node::Kind::kLiteral;
        node.fields.emplace_back(std::string(key), std::move(child));
        continue;
      }
      dynamic = true;
      Node child;
      child.field = std::string(key);
      const json::string* text = kv.value().if_string();
      bool valid = false;
      if (text != nullptr && !text->empty() && (*text)[0] == '$') {
        auto path = JsonPath::Parse(*text);
        if (path.ok()) {
          child.kind = Node::Kind::kPath;
          child.path = std::move(path).value();
          valid = true;
        }
      } else if (text != nullptr && IntrinsicCall::Looks(*text)) {
        auto call = IntrinsicCall::Parse(*text);
        if (call.ok()) {
          child.kind = Node::Kind::kCall;
          child.call = std::move(call).value();
          valid = true;
        }
      }
      if (!valid) {
        diagnostics->push_back(
            {child_location, "The value for the field '" + std::string(key) +
                                 "' must be a valid JSONPath or a valid intrinsic function call"});
      }
      node.fields.emplace_back(std::string(key.substr(0, key.size() - kPathSuffix.size())),
                               std::move(child));
    }
    if (!dynamic) {
      Node literal;
      literal.literal = v;
      return literal;
    }
    node.kind = Node::Kind::kObject;
    return node;
  }
  if (const json::array* a = v.if_array()) {
    bool dynamic = false;
    node.items.reserve(a->size());
    for (size_t i = 0; i < a->size(); ++i) {
      Node child = CompileValue((*a)[i], location + "/" + std::to_string(i), diagnostics);
      dynamic = dynamic || child.kind != Node::Kind::kLiteral;
      node.items.push_back(std::move(child));
    }
    if (!dynamic) {
      Node literal;
      literal.literal = v;
      return literal;
    }
    node.kind = Node::Kind::kArray;
    return node;
  }
  node.literal = v;
  return node;
}

Result<json::value> EvaluateNode(const Node& node, const PathContext& ctx, RandomSource* random) {
  switch (node.kind) {
    case Node::Kind::kLiteral:
      return node.literal;
    case Node::Kind::kPath:
      return EvaluatePath(*node.path, ctx, node.field);
    case Node::Kind::kCall:
      return node.call->Evaluate(ctx, node.field, random);
    case Node::Kind::kObject: {
      json::object out;
      out.reserve(node.fields.size());
      for (const auto& [key, child] : node.fields) {
        SLUICE_ASSIGN_OR_RETURN(json::value v, EvaluateNode(child, ctx, random));
        out[key] = std::move(v);
      }
      return json::value(std::move(out));
    }
    case Node::Kind::kArray: {
      json::array out;
      out.reserve(node.items.size());
      for (const auto& child : node.items) {
        SLUICE_ASSIGN_OR_RETURN(json::value v, EvaluateNode(child, ctx, random));
        out.push_back(std::move(v));
      }
      return json::value(std::move(out));
    }
  }
  return Status::Internal("unreachable");
}

}  // namespace

PayloadTemplate PayloadTemplate::Compile(const json::value& tmpl, std::string_view location,
                                         std::vector<Diagnostic>* diagnostics) {
  std::vector<Diagnostic> found;
  Node root = CompileValue(tmpl, std::string(location), &found);
  if (!found.empty()) {
    if (diagnostics != nullptr) {
      diagnostics->insert(diagnostics->end(), std::make_move_iterator(found.begin()),
                          std::make_move_iterator(found.end()));
    }
    Node empty;
    empty.literal = json::object();
    return PayloadTemplate(std::make_shared<const Node>(std::move(empty)));
  }
  return PayloadTemplate(std::make_shared<const Node>(std::move(root)));
}

Result<json::value> PayloadTemplate::Evaluate(const PathContext& ctx,
                                              RandomSource* random) const {
  return EvaluateNode(*root_, ctx, random != nullptr ? random : DefaultRandomSource());
}

}  // namespace sluice::asl
