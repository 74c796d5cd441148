#include <re2/re2.h>

#include <cctype>

#include "sluice/jsonata/error_internal.h"
#include "sluice/jsonata/function.h"
#include "sluice/jsonata/signature_internal.h"

namespace sluice::jsonata {

char TypeSymbol(const Value& v) {
  switch (v.type()) {
    case ValueType::kString:
      return 's';
    case ValueType::kNumber:
      return 'n';
    case ValueType::kBoolean:
      return 'b';
    case ValueType::kNull:
      return 'l';
    case ValueType::kArray:
      return 'a';
    case ValueType::kObject:
      return 'o';
    case ValueType::kFunction:
      return 'f';
    case ValueType::kUndefined:
      return 'm';
  }
  return 'm';
}

namespace {

// A signature written in a lambda can make an invalid pattern ("<s?+>"); it then matches
// nothing (T0410) instead of logging.
re2::RE2::Options QuietOptions() {
  re2::RE2::Options options;
  options.set_log_errors(false);
  return options;
}

size_t FindClosing(std::string_view s, size_t start, char open, char close) {
  int depth = 1;
  size_t pos = start;
  while (pos < s.size()) {
    ++pos;
    if (pos >= s.size()) break;
    if (s[pos] == close) {
      if (--depth == 0) break;
    } else if (s[pos] == open) {
      ++depth;
    }
  }
  return pos;
}

std::string ArrayTypeName(const std::string& subtype) {
  switch (subtype.empty() ? ' ' : subtype[0]) {
    case 'a':
      return "arrays";
    case 'b':
      return "booleans";
    case 'f':
      return "functions";
    case 'n':
      return "numbers";
    case 'o':
      return "objects";
    case 's':
      return "strings";
    default:
      return "values";
  }
}

}  // namespace

std::shared_ptr<const Signature> ParseSignature(std::string_view sig, int position) {
  auto out = std::make_shared<Signature>();
  out->definition = std::string(sig);
  SignatureParam param;
  SignatureParam* prev = nullptr;
  auto next = [&] {
    out->params.push_back(param);
    prev = &out->params.back();
    param = SignatureParam();
  };
  for (size_t pos = 1; pos < sig.size(); ++pos) {
    char symbol = sig[pos];
    if (symbol == ':') break;
    switch (symbol) {
      case 's':
      case 'n':
      case 'b':
      case 'l':
      case 'o':
        param.regex = std::string("[") + symbol + "m]";
        param.type = std::string(1, symbol);
        next();
        break;
      case 'a':
        param.regex = "[asnblfom]";
        param.type = "a";
        next();
        break;
      case 'f':
        param.regex = "f";
        param.type = "f";
        next();
        break;
      case 'j':
        param.regex = "[asnblom]";
        param.type = "j";
        next();
        break;
      case 'x':
        param.regex = "[asnblfom]";
        param.type = "x";
        next();
        break;
      case '-':
        if (prev) {
          prev->context = true;
          prev->context_regex = prev->regex;
          prev->regex += "?";
        }
        break;
      case '?':
      case '+':
        if (prev) prev->regex += symbol;
        break;
      case '(': {
        size_t end = FindClosing(sig, pos, '(', ')');
        std::string choice(sig.substr(pos + 1, end - pos - 1));
        if (choice.find('<') != std::string::npos) {
          JsonataException e;
          e.code = "S0402";
          e.position = position + static_cast<int>(pos);
          e.value = Value::String(choice);
          throw e;
        }
        param.regex = "[" + choice + "m]";
        param.type = "(" + choice + ")";
        pos = end;
        next();
        break;
      }
      case '<': {
        if (prev && (prev->type == "a" || prev->type == "f")) {
          size_t end = FindClosing(sig, pos, '<', '>');
          prev->subtype = std::string(sig.substr(pos + 1, end - pos - 1));
          pos = end;
        } else {
          JsonataException e;
          e.code = "S0401";
          e.position = position + static_cast<int>(pos);
          e.value = Value::String(prev ? prev->type : "");
          throw e;
        }
        break;
      }
      default:
        break;
    }
  }
  std::string re = "^";
  for (auto& p : out->params) {
    re += "(" + p.regex + ")";
    if (p.regex.find('+') != std::string::npos) out->variadic = true;
    // The type letters the parameter's pattern admits ("[sm]?" → "sm").
    for (char c : p.regex) {
      if (std::isalpha(static_cast<unsigned char>(c))) p.accepts.push_back(c);
    }
  }
  re += "$";
  out->regex = std::make_shared<re2::RE2>(re, QuietOptions());
  for (const auto& p : out->params) {
    out->context_regexes.push_back(
        p.context ? std::make_shared<re2::RE2>(p.context_regex, QuietOptions()) : nullptr);
  }
  return out;
}

Value Signature::CheckArgument(const SignatureParam& param, char single, std::string_view match,
                               Value arg, size_t arg_index) const {
  if (param.type != "a") return arg;
  if (single == 'm') return Value();
  bool ok = true;
  if (!param.subtype.empty()) {
    if (single != 'a' && match != param.subtype) {
      ok = false;
    } else if (single == 'a' && !arg.array().items.empty()) {
      char item_type = TypeSymbol(arg.array().items[0]);
      if (item_type != param.subtype[0]) {
        ok = false;
      } else {
        for (const Value& item : arg.array().items) {
          if (TypeSymbol(item) != item_type) ok = false;
        }
      }
    }
  }
  if (!ok) {
    JsonataException e;
    e.code = "T0412";
    e.value = arg;
    e.index = static_cast<int>(arg_index + 1);
    e.detail = ArrayTypeName(param.subtype);
    throw e;
  }
  if (single != 'a') {
    Value wrapped = Value::NewArray();
    wrapped.array().items.push_back(arg);
    return wrapped;
  }
  return arg;
}

std::vector<Value> Signature::Validate(const std::vector<Value>& args, const Value& context) const {
  // One argument per leading parameter, each of an accepted type, and only optional
  // parameters (not taking the context) left over: the pattern would match exactly this way
  // (its groups are greedy and tried left to right), so skip the regex.
  if (args.size() <= params.size() && !variadic) {
    bool direct = true;
    for (size_t i = 0; i < params.size() && direct; ++i) {
      if (i < args.size()) {
        direct = params[i].accepts.find(TypeSymbol(args[i])) != std::string::npos;
      } else {
        direct = params[i].regex.back() == '?' && !params[i].context;
      }
    }
    if (direct) {
      std::vector<Value> validated;
      validated.reserve(params.size());
      for (size_t i = 0; i < args.size(); ++i) {
        char single = TypeSymbol(args[i]);
        validated.push_back(
            CheckArgument(params[i], single, std::string_view(&single, 1), args[i], i));
      }
      validated.resize(params.size());
      return validated;
    }
  }
  std::string supplied;
  supplied.reserve(args.size());
  for (const Value& a : args) supplied.push_back(TypeSymbol(a));
  size_t n = params.size();
  std::vector<re2::StringPiece> groups(n);
  std::vector<re2::RE2::Arg> argv(n);
  std::vector<const re2::RE2::Arg*> argp(n);
  for (size_t i = 0; i < n; ++i) {
    argv[i] = &groups[i];
    argp[i] = &argv[i];
  }
  if (re2::RE2::FullMatchN(supplied, *regex, argp.data(), static_cast<int>(n))) {
    std::vector<Value> validated;
    validated.reserve(n);
    size_t arg_index = 0;
    for (size_t i = 0; i < n; ++i) {
      const SignatureParam& param = params[i];
      std::string_view match(groups[i].data() ? groups[i].data() : "", groups[i].size());
      if (match.empty()) {
        if (param.context) {
          std::string ctype(1, TypeSymbol(context));
          if (re2::RE2::FullMatch(ctype, *context_regexes[i])) {
            validated.push_back(context);
          } else {
            JsonataException e;
            e.code = "T0411";
            e.value = context;
            e.index = static_cast<int>(arg_index + 1);
            throw e;
          }
        } else {
          validated.push_back(arg_index < args.size() ? args[arg_index] : Value());
          ++arg_index;
        }
        continue;
      }
      for (char single : match) {
        validated.push_back(CheckArgument(
            param, single, match, arg_index < args.size() ? args[arg_index] : Value(), arg_index));
        ++arg_index;
      }
    }
    return validated;
  }
  // Find the first argument that does not fit.
  std::string partial = "^";
  size_t good_to = 0;
  for (size_t i = 0; i < n; ++i) {
    partial += params[i].regex;
    re2::StringPiece m;
    if (!re2::RE2::PartialMatch(supplied, re2::RE2("(" + partial + ")", QuietOptions()), &m)) {
      JsonataException e;
      e.code = "T0410";
      e.value = good_to < args.size() ? args[good_to] : Value();
      e.index = static_cast<int>(good_to + 1);
      throw e;
    }
    good_to = m.size();
  }
  JsonataException e;
  e.code = "T0410";
  e.value = good_to < args.size() ? args[good_to] : Value();
  e.index = static_cast<int>(good_to + 1);
  throw e;
}

}  // namespace sluice::jsonata
