#include "sluice/jsonata/step_functions.h"

#include <cmath>
#include <random>

#include "sluice/common/hash.h"
#include "sluice/common/ids.h"

namespace sluice::jsonata {
namespace {

using Args = std::vector<Value>;

Status Failure(const char* code, std::string message) {
  return Status(StatusCode::kInvalidArgument, code, std::move(message));
}

const Value& Arg(const Args& a, size_t i) {
  static const Value kUndefined;
  return i < a.size() ? a[i] : kUndefined;
}

// java.util.Random: a 48-bit linear congruential generator; nextDouble() takes 53 bits.
double JavaNextDouble(int64_t seed) {
  constexpr uint64_t kMultiplier = 0x5DEECE66DULL;
  constexpr uint64_t kMask = (1ULL << 48) - 1;
  uint64_t state = (static_cast<uint64_t>(seed) ^ kMultiplier) & kMask;
  auto next = [&](int bits) {
    state = (state * kMultiplier + 0xBULL) & kMask;
    return static_cast<int64_t>(state >> (48 - bits));
  };
  int64_t high = next(26);
  int64_t low = next(27);
  return static_cast<double>((high << 27) + low) * 0x1.0p-53;
}

Result<Value> Partition(CallContext&, const Args& a) {
  if (Arg(a, 0).is_undefined()) return Value();
  double size = a[1].number();
  if (!(size >= 1) || std::trunc(size) != size) {
    return Failure("D3161", "$partition: the chunk size must be a positive integer, got " +
                                FormatNumberJs(size));
  }
  Value out = Value::NewArray();
  const auto& items = a[0].array().items;
  size_t n = static_cast<size_t>(size);
  for (size_t i = 0; i < items.size(); i += n) {
    Value chunk = Value::NewArray();
    chunk.array().items.assign(items.begin() + i, items.begin() + std::min(items.size(), i + n));
    out.array().items.push_back(chunk);
  }
  return out;
}

Result<Value> Range(CallContext&, const Args& a) {
  double start = a[0].number(), end = a[1].number();
  double step = Arg(a, 2).is_number() ? a[2].number() : 1;
  if (step == 0 || !std::isfinite(step)) {
    return Failure("D3162", "$range: the step must be a non-zero number");
  }
  double count = std::floor((end - start) / step) + 1;
  if (count > 1e7) {
    return Failure("D2014", "$range: the sequence would have " + FormatNumberJs(count) + " items");
  }
  Value out = Value::NewArray();
  for (double i = 0; i < count; ++i) out.array().items.push_back(Value::Number(start + i * step));
  return out;
}

Result<Value> Hash(CallContext&, const Args& a) {
  if (Arg(a, 0).is_undefined() || !Arg(a, 1).is_string()) return Value();
  const std::string& name = a[1].str();
  common::HashAlgorithm algorithm;
  if (name == "MD5") {
    algorithm = common::HashAlgorithm::kMd5;
  } else if (name == "SHA-1") {
    algorithm = common::HashAlgorithm::kSha1;
  } else if (name == "SHA-256") {
    algorithm = common::HashAlgorithm::kSha256;
  } else if (name == "SHA-384") {
    algorithm = common::HashAlgorithm::kSha384;
  } else if (name == "SHA-512") {
    algorithm = common::HashAlgorithm::kSha512;
  } else {
    return Failure("D3160", "$hash: unsupported algorithm '" + name +
                                "' (MD5, SHA-1, SHA-256, SHA-384 or SHA-512)");
  }
  return Value::String(common::HashHex(algorithm, a[0].str()));
}

Result<Value> Random(CallContext&, const Args& a) {
  if (Arg(a, 0).is_number()) {
    return Value::Number(JavaNextDouble(static_cast<int64_t>(std::trunc(a[0].number()))));
  }
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return Value::Number(std::uniform_real_distribution<double>(0.0, 1.0)(rng));
}

Result<Value> Uuid(CallContext&, const Args&) { return Value::String(common::NewUuid()); }

Result<Value> Parse(CallContext&, const Args& a) {
  if (Arg(a, 0).is_undefined()) return Value();
  Result<Value> parsed = ParseJsonText(a[0].str());
  if (!parsed.ok()) return Failure("D3163", "$parse: " + parsed.status().message());
  return parsed;
}

}  // namespace

Status RegisterStepFunctionsFunctions(FunctionRegistry& registry) {
  registry.Remove("eval");
  SLUICE_RETURN_IF_ERROR(registry.Register("partition", "<an:a>", Partition));
  SLUICE_RETURN_IF_ERROR(registry.Register("range", "<nnn?:a>", Range));
  SLUICE_RETURN_IF_ERROR(registry.Register("hash", "<s-s:s>", Hash));
  SLUICE_RETURN_IF_ERROR(registry.Register("random", "<n?:n>", Random));
  SLUICE_RETURN_IF_ERROR(registry.Register("uuid", "<:s>", Uuid));
  SLUICE_RETURN_IF_ERROR(registry.Register("parse", "<s-:j>", Parse));
  return Status::OK();
}

const FunctionRegistry& StepFunctionsRegistry() {
  static const FunctionRegistry* registry = [] {
    auto* r = new FunctionRegistry(FunctionRegistry::Standard());
    Status st = RegisterStepFunctionsFunctions(*r);
    SLUICE_CHECK(st.ok());
    return r;
  }();
  return *registry;
}

}  // namespace sluice::jsonata
