#include "sluice/etl/dqdl_eval.h"

#include <re2/re2.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <unordered_map>
#include <utility>

#include "sluice/common/huge_page_allocator.h"

namespace sluice::etl {
namespace {

// Value hash -> min(occurrences, 2), in open addressing: the hashes are uniform already, and a
// flat table is several times faster than std::unordered_map for millions of values.
class HashCounts {
 public:
  uint8_t& operator[](uint64_t hash) {
    if (hash == 0) return zero_;  // 0 marks empty slots
    if ((size_ + 1) * 4 > keys_.size() * 3) Grow();
    size_t mask = keys_.size() - 1;
    for (size_t i = hash & mask;; i = (i + 1) & mask) {
      if (keys_[i] == hash) return values_[i];
      if (keys_[i] == 0) {
        keys_[i] = hash;
        ++size_;
        return values_[i];
      }
    }
  }
  void Prefetch(uint64_t hash) const {
    if (!keys_.empty()) __builtin_prefetch(&keys_[hash & (keys_.size() - 1)]);
  }
  // How many values occurred exactly once.
  int64_t CountOnes() const {
    int64_t n = zero_ == 1 ? 1 : 0;
    for (size_t i = 0; i < keys_.size(); ++i) n += (keys_[i] != 0 && values_[i] == 1) ? 1 : 0;
    return n;
  }

 private:
  void Grow() {
    auto keys = std::move(keys_);
    auto values = std::move(values_);
    size_t cap = keys.empty() ? 1024 : keys.size() * 2;
    keys_.assign(cap, 0);
    values_.assign(cap, 0);
    size_ = 0;
    for (size_t i = 0; i < keys.size(); ++i) {
      if (keys[i] != 0) (*this)[keys[i]] = values[i];
    }
  }
  std::vector<uint64_t, common::HugePageAllocator<uint64_t>> keys_;
  std::vector<uint8_t, common::HugePageAllocator<uint8_t>> values_;
  size_t size_ = 0;
  uint8_t zero_ = 0;
};

using parquet::ColumnVector;
using parquet::DataType;
using parquet::TypeKind;

// How a column's values compare.
enum class Domain { kNumber, kText, kTime, kUnsupported };

Domain DomainOf(const DataType& type) {
  switch (type.kind) {
    case TypeKind::kBoolean:
    case TypeKind::kInt8:
    case TypeKind::kInt16:
    case TypeKind::kInt32:
    case TypeKind::kInt64:
    case TypeKind::kUInt8:
    case TypeKind::kUInt16:
    case TypeKind::kUInt32:
    case TypeKind::kUInt64:
    case TypeKind::kFloat:
    case TypeKind::kDouble:
    case TypeKind::kTime:
      return Domain::kNumber;
    case TypeKind::kDecimal:
      return type.precision <= 18 ? Domain::kNumber : Domain::kUnsupported;
    case TypeKind::kString:
    case TypeKind::kJson:
    case TypeKind::kEnum:
    case TypeKind::kBinary:
    case TypeKind::kFixedBinary:
    case TypeKind::kUuid:
      return Domain::kText;
    case TypeKind::kDate:
    case TypeKind::kTimestamp:
      return Domain::kTime;
    case TypeKind::kList:
    case TypeKind::kStruct:
      return Domain::kUnsupported;
  }
  return Domain::kUnsupported;
}

// The type name Glue reports for ColumnDataType.
std::string_view GlueTypeName(const DataType& type) {
  switch (type.kind) {
    case TypeKind::kBoolean:
      return "BOOLEAN";
    case TypeKind::kInt8:
      return "BYTE";
    case TypeKind::kInt16:
    case TypeKind::kUInt8:
      return "SHORT";
    case TypeKind::kInt32:
    case TypeKind::kUInt16:
      return "INTEGER";
    case TypeKind::kInt64:
    case TypeKind::kUInt32:
    case TypeKind::kUInt64:
      return "LONG";
    case TypeKind::kFloat:
      return "FLOAT";
    case TypeKind::kDouble:
      return "DOUBLE";
    case TypeKind::kDecimal:
      return "DECIMAL";
    case TypeKind::kString:
    case TypeKind::kJson:
    case TypeKind::kEnum:
    case TypeKind::kUuid:
    case TypeKind::kTime:
      return "STRING";
    case TypeKind::kBinary:
    case TypeKind::kFixedBinary:
      return "BINARY";
    case TypeKind::kDate:
      return "DATE";
    case TypeKind::kTimestamp:
      return "TIMESTAMP";
    case TypeKind::kList:
      return "ARRAY";
    case TypeKind::kStruct:
      return "STRUCT";
  }
  return "";
}

std::string FormatNumber(double v) {
  if (std::isfinite(v) && v == std::floor(v) && std::fabs(v) < 1e15) {
    return std::to_string(static_cast<int64_t>(v));
  }
  char buf[64];
  auto [ptr, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  return std::string(buf, ptr);
}

std::string Quote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string FormatTime(int64_t micros) {
  if (micros % 86400000000LL == 0) {
    int64_t y;
    unsigned m, d;
    common::CivilFromDays(micros / 86400000000LL, &y, &m, &d);
    char buf[32];
    std::snprintf(buf, sizeof(buf), "%04lld-%02u-%02u", static_cast<long long>(y), m, d);
    return buf;
  }
  return common::FormatIso8601Millis(common::Timestamp{micros});
}

// One value of a column, in its domain.
struct Cell {
  bool null = false;
  double number = 0;      // kNumber
  std::string_view text;  // kText
  int64_t micros = 0;     // kTime (dates at midnight UTC)
};

// 10^0 … 10^38 (decimal scales), each the double nearest to it, as std::pow gives them.
constexpr double kPowersOfTen[64] = {
    1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11, 1e12,
    1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22, 1e23, 1e24, 1e25,
    1e26, 1e27, 1e28, 1e29, 1e30, 1e31, 1e32, 1e33, 1e34, 1e35, 1e36, 1e37, 1e38};

Cell CellAt(const ColumnVector& col, int64_t i) {
  Cell c;
  if (col.IsNull(i)) {
    c.null = true;
    return c;
  }
  const size_t k = static_cast<size_t>(i);
  switch (col.type.kind) {
    case TypeKind::kBoolean:
      c.number = col.bools[k];
      break;
    case TypeKind::kInt8:
    case TypeKind::kInt16:
    case TypeKind::kInt32:
    case TypeKind::kUInt8:
    case TypeKind::kUInt16:
      c.number = col.ints32[k];
      break;
    case TypeKind::kUInt32:
      c.number = static_cast<uint32_t>(col.ints32[k]);
      break;
    case TypeKind::kInt64:
    case TypeKind::kTime:
      c.number = static_cast<double>(col.ints64[k]);
      break;
    case TypeKind::kUInt64:
      c.number = static_cast<double>(static_cast<uint64_t>(col.ints64[k]));
      break;
    case TypeKind::kFloat:
      c.number = col.floats[k];
      break;
    case TypeKind::kDouble:
      c.number = col.doubles[k];
      break;
    case TypeKind::kDecimal:
      c.number = static_cast<double>(col.ints64[k]) / kPowersOfTen[col.type.scale & 63];
      break;
    case TypeKind::kDate:
      c.micros = int64_t{col.ints32[k]} * 86400000000LL;
      break;
    case TypeKind::kTimestamp: {
      const int64_t v = col.ints64[k];
      switch (col.type.unit) {
        case parquet::TimeUnit::kMillis:
          c.micros = v * 1000;
          break;
        case parquet::TimeUnit::kMicros:
          c.micros = v;
          break;
        case parquet::TimeUnit::kNanos:
          c.micros = v >= 0 ? v / 1000 : -((-v + 999) / 1000);
          break;
      }
      break;
    }
    default:
      c.text = col.BytesAt(i);
      break;
  }
  return c;
}

std::string CellToString(const Cell& c, Domain d, const DataType& type) {
  if (c.null) return "NULL";
  switch (d) {
    case Domain::kNumber:
      if (type.kind == TypeKind::kBoolean) return c.number != 0 ? "true" : "false";
      return FormatNumber(c.number);
    case Domain::kText:
      return Quote(c.text);
    case Domain::kTime:
      return FormatTime(c.micros);
    case Domain::kUnsupported:
      break;
  }
  return "?";
}

// The text `matches` sees: strings as they are, others as printed (unquoted).
std::string MatchText(const Cell& c, Domain d, const DataType& type) {
  if (d == Domain::kText) return std::string(c.text);
  return CellToString(c, d, type);
}

bool ParseDouble(std::string_view s, double* out) {
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && ptr == s.data() + s.size() && !s.empty();
}

Result<int64_t> ParseTimeLiteral(std::string_view s) {
  unsigned y, m, d;
  char tail;
  if (s.size() == 10 &&
      std::sscanf(std::string(s).c_str(), "%4u-%2u-%2u%c", &y, &m, &d, &tail) == 3) {
    return common::DaysFromCivil(y, m, d) * 86400000000LL;
  }
  SLUICE_ASSIGN_OR_RETURN(common::Timestamp t, common::ParseRfc3339(s));
  return t.micros;
}

// A literal converted to the domain of the column it is compared with.
struct Operand {
  Literal::Kind kind = Literal::Kind::kNumber;
  double number = 0;
  std::string text;
  int64_t micros = 0;
};

bool IsWhitespaceOnly(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char ch) {
    return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == '\f' || ch == '\v';
  });
}

// What Compare returns for a value that cannot be compared (a text that is not a number).
constexpr int kIncomparable = 2;

// -1, 0 or 1, or kIncomparable. (A plain int: returning std::optional<int> cost a store
// forwarding stall per call, 2% of a run with row rules.)
int Compare(const Cell& c, Domain d, const Operand& o) {
  auto sign = [](auto a, auto b) { return a < b ? -1 : (a > b ? 1 : 0); };
  switch (d) {
    case Domain::kNumber:
      return sign(c.number, o.number);
    case Domain::kTime:
      return sign(c.micros, o.micros);
    case Domain::kText:
      if (o.kind == Literal::Kind::kNumber) {
        double v;
        if (!ParseDouble(c.text, &v)) return kIncomparable;
        return sign(v, o.number);
      }
      return sign(c.text.compare(o.text), 0);
    case Domain::kUnsupported:
      break;
  }
  return kIncomparable;
}

bool Equals(const Cell& c, Domain d, const Operand& o) {
  switch (o.kind) {
    case Literal::Kind::kNull:
      return c.null;
    case Literal::Kind::kEmpty:
      return !c.null && d == Domain::kText && c.text.empty();
    case Literal::Kind::kWhitespacesOnly:
      return !c.null && d == Domain::kText && IsWhitespaceOnly(c.text);
    default:
      break;
  }
  if (c.null) return false;
  return Compare(c, d, o) == 0;
}

bool EvalNumber(const Expression& e, double v) {
  auto at = [&](size_t i) { return e.operands[i].number; };
  switch (e.op) {
    case ExprOp::kEq:
      return v == at(0);
    case ExprOp::kNe:
      return v != at(0);
    case ExprOp::kGt:
      return v > at(0);
    case ExprOp::kGe:
      return v >= at(0);
    case ExprOp::kLt:
      return v < at(0);
    case ExprOp::kLe:
      return v <= at(0);
    case ExprOp::kBetween:
      return v > at(0) && v < at(1);  // DQDL: exclusive
    case ExprOp::kIn:
    case ExprOp::kNotIn: {
      bool found = false;
      for (const Literal& l : e.operands)
        found = found || (l.kind == Literal::Kind::kNumber && v == l.number);
      return (e.op == ExprOp::kIn) == found;
    }
    case ExprOp::kMatches:
      return false;
  }
  return false;
}

uint64_t HashBytes(const void* data, size_t n, uint64_t seed) {
  const auto* p = static_cast<const unsigned char*>(data);
  uint64_t h = 1469598103934665603ULL ^ seed;
  for (size_t i = 0; i < n; ++i) {
    h ^= p[i];
    h *= 1099511628211ULL;
  }
  // splitmix64 finalizer to spread FNV's low bits.
  h ^= h >> 30;
  h *= 0xbf58476d1ce4e5b9ULL;
  h ^= h >> 27;
  h *= 0x94d049bb133111ebULL;
  h ^= h >> 31;
  return h;
}

uint64_t HashCell(const Cell& c, Domain d) {
  switch (d) {
    case Domain::kText:
      return HashBytes(c.text.data(), c.text.size(), 1);
    case Domain::kTime:
      return HashBytes(&c.micros, sizeof(c.micros), 2);
    default: {
      double v = c.number == 0 ? 0.0 : c.number;  // -0 == 0
      return HashBytes(&v, sizeof(v), 3);
    }
  }
}

}  // namespace

std::string_view OutcomeName(Outcome outcome) {
  switch (outcome) {
    case Outcome::kPass:
      return "PASS";
    case Outcome::kFail:
      return "FAIL";
    case Outcome::kWarn:
      return "WARN";
  }
  return "";
}

bool RuleReport::passed() const {
  return std::none_of(rules.begin(), rules.end(),
                      [](const RuleResult& r) { return r.outcome == Outcome::kFail; });
}

std::string RuleReport::ToString() const {
  std::string out;
  for (const RuleResult& r : rules) {
    out += std::string(OutcomeName(r.outcome)) + " " + r.rule;
    if (r.metric) out += " metric=" + FormatNumber(*r.metric);
    if (r.failed_rows > 0) out += " failed_rows=" + std::to_string(r.failed_rows);
    if (!r.reason.empty()) out += ": " + r.reason;
    out += "\n";
  }
  return out;
}

struct RuleEvaluator::Impl {
  struct Node {
    const Rule* rule = nullptr;
    std::string text;
    int top = -1;  // index in Ruleset::rules when row failures are reported for it
    std::vector<int> children;
    int column = -1;
    Domain domain = Domain::kUnsupported;
    Status prepare;  // why the rule cannot apply to its column (reported by AddBatch)
    std::vector<Operand> operands;
    std::unique_ptr<RE2> re;
    // Accumulated.
    int64_t rows = 0;
    int64_t failed = 0;
    int64_t nulls = 0;
    HashCounts counts;  // value hash -> min(occurrences, 2)
    bool assume_distinct = false;  // non-NULL values known distinct: `counts` stays empty
    int64_t min_micros = INT64_MAX;
    int64_t max_micros = INT64_MIN;
  };

  const Ruleset& ruleset;
  parquet::Schema schema;
  std::vector<Node> nodes;
  std::vector<int> tops;  // node of each top-level rule
  int64_t rows = 0;

  int AddNode(const Rule& rule, int top) {
    const int id = static_cast<int>(nodes.size());
    nodes.emplace_back();
    {
      Node& n = nodes.back();
      n.rule = &rule;
      n.text = rule.ToString();
      n.top = rule.IsRowLevel() ? top : -1;
    }
    for (const Rule& child : rule.children) {
      const int c = AddNode(child, -1);
      nodes[static_cast<size_t>(id)].children.push_back(c);
    }
    Prepare(nodes[static_cast<size_t>(id)]);
    return id;
  }

  void Prepare(Node& n) {
    const Rule& r = *n.rule;
    if (r.column.empty()) return;
    n.column = schema.IndexOf(r.column);
    if (n.column < 0) return;  // reported in Finish
    const DataType& type = schema.fields[static_cast<size_t>(n.column)].type;
    n.domain = DomainOf(type);
    auto fail = [&](std::string why) { n.prepare = Status::InvalidArgument(n.text + ": " + why); };
    const bool needs_values = r.type != RuleType::kColumnExists &&
                              r.type != RuleType::kColumnDataType &&
                              r.type != RuleType::kCompleteness && r.type != RuleType::kIsComplete;
    if (needs_values && n.domain == Domain::kUnsupported) {
      return fail("column \"" + r.column + "\" has type " + type.ToString() +
                  ", which data quality rules do not support");
    }
    if (r.type == RuleType::kColumnLength && n.domain != Domain::kText) {
      return fail("ColumnLength needs a string column, \"" + r.column + "\" has type " +
                  type.ToString());
    }
    if (r.type == RuleType::kDataFreshness && n.domain != Domain::kTime) {
      return fail("DataFreshness needs a date or timestamp column, \"" + r.column + "\" has type " +
                  type.ToString());
    }
    if (r.type != RuleType::kColumnValues) return;
    for (const Literal& lit : r.expression.operands) {
      Operand o;
      o.kind = lit.kind;
      o.number = lit.number;
      o.text = lit.text;
      if (r.expression.op == ExprOp::kMatches) {
        n.re = std::make_unique<RE2>(lit.text, RE2::Quiet);
      } else if (lit.kind == Literal::Kind::kString && n.domain == Domain::kNumber) {
        if (!ParseDouble(lit.text, &o.number)) {
          return fail("\"" + lit.text + "\" is not a number, and column \"" + r.column +
                      "\" has type " + type.ToString());
        }
        o.kind = Literal::Kind::kNumber;
      } else if (n.domain == Domain::kTime && lit.kind != Literal::Kind::kNull) {
        if (lit.kind != Literal::Kind::kString) {
          return fail("column \"" + r.column + "\" has type " + type.ToString() +
                      ", compare it with a date string like \"2026-01-31\"");
        }
        Result<int64_t> t = ParseTimeLiteral(lit.text);
        if (!t.ok()) {
          return fail("\"" + lit.text + "\" is not a date (YYYY-MM-DD) or an RFC 3339 timestamp");
        }
        o.micros = *t;
      }
      n.operands.push_back(std::move(o));
    }
  }

  // Whether a value passes a ColumnValues expression.
  bool ValuePasses(const Node& n, const Cell& c, const DataType& type) const {
    const Expression& e = n.rule->expression;
    const auto& ops = n.operands;
    switch (e.op) {
      case ExprOp::kEq:
        return Equals(c, n.domain, ops[0]);
      case ExprOp::kNe:
        return !Equals(c, n.domain, ops[0]);
      case ExprOp::kIn:
      case ExprOp::kNotIn: {
        const bool found = std::any_of(ops.begin(), ops.end(),
                                       [&](const Operand& o) { return Equals(c, n.domain, o); });
        return (e.op == ExprOp::kIn) == found;
      }
      default:
        break;
    }
    if (c.null) return false;
    if (e.op == ExprOp::kMatches) {
      // DQDL's `matches` asserts the whole value (so "[a-z]*" rejects "ab1"): a full match.
      if (n.domain == Domain::kText) return RE2::FullMatch(c.text, *n.re);
      return RE2::FullMatch(MatchText(c, n.domain, type), *n.re);
    }
    const int a = Compare(c, n.domain, ops[0]);
    if (a == kIncomparable) return false;
    switch (e.op) {
      case ExprOp::kGt:
        return a > 0;
      case ExprOp::kGe:
        return a >= 0;
      case ExprOp::kLt:
        return a < 0;
      case ExprOp::kLe:
        return a <= 0;
      case ExprOp::kBetween: {
        return a > 0 && Compare(c, n.domain, ops[1]) < 0;
      }
      default:
        return false;
    }
  }

  static int64_t CodePoints(std::string_view s) {
    return std::count_if(s.begin(), s.end(),
                         [](char ch) { return (static_cast<unsigned char>(ch) & 0xC0) != 0x80; });
  }

  // Evaluates node `n` on `row`; returns the failure reason, or "" when it passes.
  std::string EvalRow(Node& n, const ColumnVector& col, int64_t row) {
    const Rule& r = *n.rule;
    const Cell c = CellAt(col, row);
    switch (r.type) {
      case RuleType::kIsComplete:
        return c.null ? n.text + ": value is NULL" : "";
      case RuleType::kColumnValues:
        if (ValuePasses(n, c, col.type)) return "";
        if (r.expression.op == ExprOp::kMatches) {
          return n.text + ": " + CellToString(c, n.domain, col.type) + " does not match " +
                 Quote(r.expression.operands[0].text);
        }
        return n.text + ": " + CellToString(c, n.domain, col.type) + " is not " +
               r.expression.ToString();
      case RuleType::kColumnLength: {
        if (c.null) return n.text + ": NULL has no length";
        const int64_t len = CodePoints(c.text);
        if (EvalNumber(r.expression, static_cast<double>(len))) return "";
        return n.text + ": length " + std::to_string(len) + " of " + Quote(c.text) + " is not " +
               r.expression.ToString();
      }
      default:
        return "";
    }
  }

  // `selected`: nullptr for every row, else one entry per row (0: not part of the data).
  Status AddBatch(const parquet::RecordBatch& batch, const std::vector<uint8_t>* selected,
                  std::vector<RowFailure>* failures) {
    if (selected != nullptr && selected->size() != static_cast<size_t>(batch.num_rows)) {
      return Status::InvalidArgument("data quality rules: the row selection has " +
                                     std::to_string(selected->size()) + " entries for " +
                                     std::to_string(batch.num_rows) + " rows");
    }
    if (!(batch.schema == schema)) {
      return Status::InvalidArgument(
          "data quality rules: the batch's schema differs from the "
          "evaluator's:\n" +
          batch.schema.ToString() + "expected:\n" + schema.ToString());
    }
    for (const Node& n : nodes) SLUICE_RETURN_IF_ERROR(n.prepare);
    const size_t first_new = failures->size();
    std::vector<std::pair<int64_t, size_t>> order;  // (row, index) to sort by row then rule
    std::vector<uint64_t> hashes;  // distinct-value hashes of the current node's batch
    for (Node& n : nodes) {
      if (n.column < 0) continue;
      const ColumnVector& col = batch.columns[static_cast<size_t>(n.column)];
      const RuleType t = n.rule->type;
      hashes.clear();
      for (int64_t i = 0; i < batch.num_rows; ++i) {
        if (selected != nullptr && (*selected)[static_cast<size_t>(i)] == 0) continue;
        if (t == RuleType::kIsComplete || t == RuleType::kColumnValues ||
            t == RuleType::kColumnLength) {
          std::string reason = EvalRow(n, col, i);
          if (!reason.empty()) {
            ++n.failed;
            if (n.top >= 0) {
              failures->push_back(
                  RowFailure{i, n.top, n.rule->severity == Severity::kWarn, std::move(reason)});
            }
          }
          continue;
        }
        if (col.IsNull(i)) {
          ++n.nulls;
          continue;
        }
        if (t != RuleType::kUniqueness && t != RuleType::kIsUnique &&
            t != RuleType::kIsPrimaryKey && t != RuleType::kDataFreshness) {
          continue;
        }
        if (n.assume_distinct) continue;
        const Cell c = CellAt(col, i);
        if (t == RuleType::kUniqueness || t == RuleType::kIsUnique ||
            t == RuleType::kIsPrimaryKey) {
          // Counted after the loop, each slot prefetched now: the table is large and random.
          hashes.push_back(HashCell(c, n.domain));
          n.counts.Prefetch(hashes.back());
        } else if (t == RuleType::kDataFreshness) {
          n.min_micros = std::min(n.min_micros, c.micros);
          n.max_micros = std::max(n.max_micros, c.micros);
        }
      }
      for (uint64_t h : hashes) {
        uint8_t& count = n.counts[h];
        if (count < 2) ++count;
      }
    }
    // Rules were visited one at a time; order this batch's failures by row, then rule.
    std::stable_sort(failures->begin() + static_cast<std::ptrdiff_t>(first_new), failures->end(),
                     [](const RowFailure& a, const RowFailure& b) {
                       return a.row != b.row ? a.row < b.row : a.rule < b.rule;
                     });
    if (selected == nullptr) {
      rows += batch.num_rows;
    } else {
      for (uint8_t s : *selected) rows += s != 0 ? 1 : 0;
    }
    return Status::OK();
  }

  // Fills metric/failed_rows/reason and returns whether the node's rule holds.
  bool Evaluate(const Node& n, common::Timestamp now, RuleResult* out) const {
    const Rule& r = *n.rule;
    const double total = static_cast<double>(rows);
    auto frac = [&](int64_t good) { return rows == 0 ? 1.0 : static_cast<double>(good) / total; };
    auto need = [&](std::string_view what, double v) {
      out->metric = v;
      if (EvalNumber(r.expression, v)) return true;
      out->reason =
          std::string(what) + " " + FormatNumber(v) + " is not " + r.expression.ToString();
      return false;
    };
    if (r.type == RuleType::kAnd || r.type == RuleType::kOr) {
      std::string failed;
      bool any = false;
      bool all = true;
      for (int c : n.children) {
        RuleResult child;
        const bool ok = Evaluate(nodes[static_cast<size_t>(c)], now, &child);
        any = any || ok;
        all = all && ok;
        if (!ok) {
          if (!failed.empty()) failed += "; ";
          failed += "(" + nodes[static_cast<size_t>(c)].text + ") failed: " + child.reason;
        }
      }
      const bool ok = r.type == RuleType::kAnd ? all : any;
      if (!ok) out->reason = failed;
      return ok;
    }
    switch (r.type) {
      case RuleType::kRowCount:
        return need("row count", total);
      case RuleType::kColumnCount:
        return need("column count", static_cast<double>(schema.fields.size()));
      default:
        break;
    }
    if (n.column < 0) {
      out->reason = "column " + Quote(r.column) + " does not exist";
      return false;
    }
    const DataType& type = schema.fields[static_cast<size_t>(n.column)].type;
    switch (r.type) {
      case RuleType::kColumnExists:
        return true;
      case RuleType::kColumnDataType: {
        const std::string_view name = GlueTypeName(type);
        bool ok = false;
        for (const Literal& l : r.expression.operands) ok = ok || l.text == name;
        if (!ok) out->reason = "type " + std::string(name) + " is not " + r.expression.ToString();
        return ok;
      }
      case RuleType::kIsComplete:
      case RuleType::kColumnValues:
      case RuleType::kColumnLength: {
        out->failed_rows = n.failed;
        out->metric = frac(rows - n.failed);
        if (r.has_threshold) {
          if (EvalNumber(r.threshold, *out->metric)) return true;
          out->reason = "fraction of passing rows " + FormatNumber(*out->metric) + " is not " +
                        r.threshold.ToString();
          return false;
        }
        if (n.failed == 0) return true;
        out->reason = std::to_string(n.failed) + " of " + std::to_string(rows) + " rows failed";
        return false;
      }
      case RuleType::kCompleteness:
        return need("completeness", frac(rows - n.nulls));
      case RuleType::kUniqueness:
      case RuleType::kIsUnique:
      case RuleType::kIsPrimaryKey: {
        const int64_t unique = n.assume_distinct ? rows - n.nulls : n.counts.CountOnes();
        const double u = frac(unique);
        if (r.type == RuleType::kUniqueness) return need("uniqueness", u);
        out->metric = u;
        const int64_t duplicated = rows - n.nulls - unique;
        if (duplicated == 0 && (r.type == RuleType::kIsUnique || n.nulls == 0)) return true;
        out->reason = std::to_string(duplicated) + " rows hold a duplicated value";
        if (r.type == RuleType::kIsPrimaryKey)
          out->reason += ", " + std::to_string(n.nulls) + " rows are NULL";
        return false;
      }
      case RuleType::kDataFreshness: {
        if (rows == n.nulls) {
          out->reason = rows == 0 ? "no rows" : "every value is NULL";
          return false;
        }
        const double oldest = static_cast<double>(now.micros - n.min_micros);
        const double newest = static_cast<double>(now.micros - n.max_micros);
        out->metric = oldest / 3600e6;
        const bool ok = EvalNumber(r.expression, oldest) && EvalNumber(r.expression, newest);
        if (!ok) {
          const double bad = EvalNumber(r.expression, oldest) ? newest : oldest;
          out->reason = "a value is " + FormatNumber(bad / 3600e6) + " hours old, not " +
                        r.expression.ToString();
          return false;
        }
        if (n.nulls > 0) {
          out->reason = std::to_string(n.nulls) + " rows are NULL";
          return false;
        }
        return true;
      }
      default:
        return false;
    }
  }
};

RuleEvaluator::RuleEvaluator(const Ruleset& ruleset, const parquet::Schema& schema)
    : impl_(std::make_unique<Impl>(Impl{ruleset, schema, {}, {}, 0})) {
  for (size_t i = 0; i < ruleset.rules.size(); ++i) {
    impl_->tops.push_back(impl_->AddNode(ruleset.rules[i], static_cast<int>(i)));
  }
}

RuleEvaluator::~RuleEvaluator() = default;

void RuleEvaluator::AssumeDistinct(const std::string& column) {
  const int index = impl_->schema.IndexOf(column);
  if (index < 0) return;
  const parquet::TypeKind kind = impl_->schema.fields[static_cast<size_t>(index)].type.kind;
  if (kind == parquet::TypeKind::kFloat || kind == parquet::TypeKind::kDouble) return;
  for (auto& n : impl_->nodes) {
    const RuleType t = n.rule->type;
    if (n.column == index &&
        (t == RuleType::kUniqueness || t == RuleType::kIsUnique || t == RuleType::kIsPrimaryKey)) {
      n.assume_distinct = true;
    }
  }
}

Status RuleEvaluator::AddBatch(const parquet::RecordBatch& batch,
                               std::vector<RowFailure>* failures) {
  return impl_->AddBatch(batch, nullptr, failures);
}

Status RuleEvaluator::AddBatch(const parquet::RecordBatch& batch,
                               const std::vector<uint8_t>& selected,
                               std::vector<RowFailure>* failures) {
  return impl_->AddBatch(batch, &selected, failures);
}

Result<RuleReport> RuleEvaluator::Finish(common::Timestamp now) {
  for (const Impl::Node& n : impl_->nodes) SLUICE_RETURN_IF_ERROR(n.prepare);
  RuleReport report;
  for (int top : impl_->tops) {
    const Impl::Node& n = impl_->nodes[static_cast<size_t>(top)];
    RuleResult result;
    result.rule = n.text;
    const bool ok = impl_->Evaluate(n, now, &result);
    if (ok) {
      result.outcome = Outcome::kPass;
      result.reason.clear();
    } else {
      result.outcome = n.rule->severity == Severity::kWarn ? Outcome::kWarn : Outcome::kFail;
    }
    report.rules.push_back(std::move(result));
  }
  return report;
}

}  // namespace sluice::etl
