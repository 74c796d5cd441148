#include "sluice/catalog/catalog.h"

#include <cstdlib>

namespace sluice::catalog {

int64_t Row::Int(size_t i) const {
  const SqlValue& v = values_.at(i);
  if (auto* p = std::get_if<int64_t>(&v)) return *p;
  if (auto* p = std::get_if<double>(&v)) return static_cast<int64_t>(*p);
  if (auto* p = std::get_if<std::string>(&v)) return std::strtoll(p->c_str(), nullptr, 10);
  return 0;
}

double Row::Real(size_t i) const {
  const SqlValue& v = values_.at(i);
  if (auto* p = std::get_if<double>(&v)) return *p;
  if (auto* p = std::get_if<int64_t>(&v)) return static_cast<double>(*p);
  return 0;
}

const std::string& Row::Text(size_t i) const {
  static const std::string kEmpty;
  const SqlValue& v = values_.at(i);
  if (auto* p = std::get_if<std::string>(&v)) return *p;
  return kEmpty;
}

Result<std::optional<Row>> Transaction::QueryOne(std::string_view sql,
                                                 const std::vector<SqlValue>& params) {
  SLUICE_ASSIGN_OR_RETURN(std::vector<Row> rows, Query(sql, params));
  if (rows.empty()) return std::optional<Row>();
  return std::optional<Row>(std::move(rows.front()));
}

}  // namespace sluice::catalog
