#pragma once

// Typed JSON field access for the events module's parsers. Every error is InvalidArgument
// and names the JSON path of the field and what was expected.

#include <boost/json.hpp>
#include <string>
#include <string_view>

#include "sluice/common/json.h"
#include "sluice/common/status.h"

namespace sluice::events::internal {

inline std::string FieldPath(std::string_view path, std::string_view key) {
  return std::string(path) + "." + std::string(key);
}

inline Status WrongType(std::string_view path, std::string_view expected,
                        const boost::json::value& got) {
  return Status::InvalidArgument(std::string(path) + ": expected " + std::string(expected) +
                                 ", got " + std::string(common::JsonTypeName(got)));
}

inline Result<const boost::json::object*> AsObject(const boost::json::value& v,
                                                   std::string_view path) {
  if (!v.is_object()) return WrongType(path, "object", v);
  return &v.get_object();
}

// The field's value, or nullptr when absent.
inline const boost::json::value* Find(const boost::json::object& o, std::string_view key) {
  auto it = o.find(key);
  return it == o.end() ? nullptr : &it->value();
}

inline Result<const boost::json::object*> RequiredObject(const boost::json::object& o,
                                                         std::string_view key,
                                                         std::string_view path) {
  const boost::json::value* v = Find(o, key);
  if (v == nullptr) {
    return Status::InvalidArgument(std::string(path) + ": missing required field '" +
                                   std::string(key) + "'");
  }
  return AsObject(*v, FieldPath(path, key));
}

inline Result<std::string> RequiredText(const boost::json::object& o, std::string_view key,
                                        std::string_view path) {
  const boost::json::value* v = Find(o, key);
  if (v == nullptr) {
    return Status::InvalidArgument(std::string(path) + ": missing required field '" +
                                   std::string(key) + "'");
  }
  if (!v->is_string()) return WrongType(FieldPath(path, key), "string", *v);
  return std::string(v->get_string());
}

// "" when absent.
inline Result<std::string> OptionalText(const boost::json::object& o, std::string_view key,
                                        std::string_view path) {
  const boost::json::value* v = Find(o, key);
  if (v == nullptr) return std::string();
  if (!v->is_string()) return WrongType(FieldPath(path, key), "string", *v);
  return std::string(v->get_string());
}

}  // namespace sluice::events::internal
