// Runs JSONata's language-neutral test suite (groups/<group>/*.json, see the suite's
// TESTSUITE.md) against sluice's jsonata module and reports the pass rate per group and in
// total. With a known-failures file (one "<group>/<case>  reason" per line), exits 1 when a
// case fails that is not listed or a listed case passes, so the list stays honest.
//
// Usage: sluice_jsonata_suite SUITE_DIR [KNOWN_FAILURES] [--verbose] [--write-failures FILE]

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "sluice/jsonata/jsonata.h"

namespace fs = std::filesystem;
using sluice::jsonata::Expression;
using sluice::jsonata::Value;

namespace {

std::string ReadFile(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

bool Equal(const Value& a, const Value& b, bool unordered) {
  if (!unordered || !a.is_array() || !b.is_array()) {
    return sluice::jsonata::ToJsonText(a) == sluice::jsonata::ToJsonText(b) || [&] {
      // Compare structurally (object key order does not matter).
      std::function<bool(const Value&, const Value&)> eq = [&](const Value& x, const Value& y) {
        if (x.type() != y.type()) return false;
        if (x.is_number()) return x.number() == y.number();
        if (x.is_string()) return x.str() == y.str();
        if (x.is_boolean()) return x.boolean() == y.boolean();
        if (x.is_array()) {
          if (x.array().items.size() != y.array().items.size()) return false;
          for (size_t i = 0; i < x.array().items.size(); ++i) {
            if (!eq(x.array().items[i], y.array().items[i])) return false;
          }
          return true;
        }
        if (x.is_object()) {
          if (x.object().size() != y.object().size()) return false;
          for (const auto& [k, v] : x.object().entries) {
            const Value* o = y.object().Find(k);
            if (!o || !eq(v, *o)) return false;
          }
          return true;
        }
        return true;
      };
      return eq(a, b);
    }();
  }
  std::vector<std::string> x, y;
  for (const Value& v : a.array().items) x.push_back(sluice::jsonata::ToJsonText(v));
  for (const Value& v : b.array().items) y.push_back(sluice::jsonata::ToJsonText(v));
  std::sort(x.begin(), x.end());
  std::sort(y.begin(), y.end());
  return x == y;
}

struct Outcome {
  bool pass = false;
  std::string detail;
};

Outcome RunCase(const Value& c, const fs::path& suite, const fs::path& group_dir,
                std::map<std::string, Value>& datasets) {
  const auto& o = c.object();
  std::string expr;
  if (const Value* e = o.Find("expr")) {
    expr = e->str();
  } else if (const Value* ef = o.Find("expr-file")) {
    expr = ReadFile(group_dir / ef->str());
  }
  Value input;
  if (const Value* d = o.Find("data")) {
    input = *d;
  } else if (const Value* ds = o.Find("dataset"); ds && ds->is_string()) {
    auto it = datasets.find(ds->str());
    if (it == datasets.end()) {
      auto parsed =
          sluice::jsonata::ParseJsonText(ReadFile(suite / "datasets" / (ds->str() + ".json")));
      it = datasets.emplace(ds->str(), parsed.ok() ? *parsed : Value()).first;
    }
    input = it->second;
  }
  sluice::jsonata::Bindings bindings;
  if (const Value* b = o.Find("bindings"); b && b->is_object()) {
    for (const auto& [k, v] : b->object().entries) bindings.emplace_back(k, v);
  }
  sluice::jsonata::EvaluateOptions options;
  if (const Value* t = o.Find("timelimit"); t && t->is_number()) {
    options.time_limit_ms = static_cast<int64_t>(t->number());
  }
  if (const Value* d = o.Find("depth"); d && d->is_number()) {
    options.max_depth = static_cast<int>(d->number());
  }
  std::string want_code;
  if (const Value* code = o.Find("code")) want_code = code->str();
  if (const Value* err = o.Find("error"); err && err->is_object()) {
    if (const Value* code = err->object().Find("code")) want_code = code->str();
  }
  bool unordered = false;
  if (const Value* u = o.Find("unordered"); u && u->is_boolean()) unordered = u->boolean();

  auto compiled = Expression::Compile(expr);
  sluice::Result<Value> result = compiled.ok() ? compiled->Evaluate(input, bindings, options)
                                               : sluice::Result<Value>(compiled.status());
  if (!want_code.empty()) {
    if (result.ok())
      return {false,
              "expected error " + want_code + ", got " + sluice::jsonata::ToJsonText(*result)};
    std::string got(result.status().name());
    if (got != want_code)
      return {false, "expected error " + want_code + ", got " + result.status().ToString()};
    return {true, ""};
  }
  if (!result.ok()) return {false, "unexpected error " + result.status().ToString()};
  if (const Value* u = o.Find("undefinedResult"); u && u->is_boolean() && u->boolean()) {
    if (result->is_undefined()) return {true, ""};
    return {false, "expected undefined, got " + sluice::jsonata::ToJsonText(*result)};
  }
  if (const Value* want = o.Find("result")) {
    if (result->is_defined() && Equal(*result, *want, unordered)) return {true, ""};
    return {false,
            "expected " + sluice::jsonata::ToJsonText(*want) + ", got " +
                (result->is_undefined() ? "undefined" : sluice::jsonata::ToJsonText(*result))};
  }
  return {result->is_undefined(), "expected undefined"};
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: sluice_jsonata_suite SUITE_DIR [KNOWN_FAILURES] [--verbose] "
                 "[--write-failures FILE]\n";
    return 2;
  }
  fs::path suite = argv[1];
  std::string known_path, write_path;
  bool verbose = false;
  for (int i = 2; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--verbose") {
      verbose = true;
    } else if (a == "--write-failures" && i + 1 < argc) {
      write_path = argv[++i];
    } else {
      known_path = a;
    }
  }
  std::map<std::string, std::string> known;
  if (!known_path.empty()) {
    std::ifstream f(known_path);
    std::string line;
    while (std::getline(f, line)) {
      if (line.empty() || line[0] == '#') continue;
      size_t sp = line.find_first_of(" \t");
      known[line.substr(0, sp)] = sp == std::string::npos ? "" : line.substr(sp + 1);
    }
  }
  std::vector<fs::path> groups;
  for (const auto& e : fs::directory_iterator(suite / "groups")) groups.push_back(e.path());
  std::sort(groups.begin(), groups.end());
  std::map<std::string, Value> datasets;
  int total = 0, passed = 0, unexpected_fail = 0, unexpected_pass = 0;
  std::vector<std::pair<std::string, std::string>> failures;
  std::cout << "group                                   passed/total\n";
  for (const fs::path& group : groups) {
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(group)) {
      if (e.path().extension() == ".json") files.push_back(e.path());
    }
    std::sort(files.begin(), files.end());
    int gtotal = 0, gpassed = 0;
    for (const fs::path& file : files) {
      auto parsed = sluice::jsonata::ParseJsonText(ReadFile(file));
      if (!parsed.ok()) continue;
      std::vector<Value> cases;
      if (parsed->is_array()) {
        cases = parsed->array().items;
      } else {
        cases.push_back(*parsed);
      }
      for (size_t i = 0; i < cases.size(); ++i) {
        std::string id = group.filename().string() + "/" + file.stem().string();
        if (parsed->is_array()) id += "[" + std::to_string(i) + "]";
        Outcome out = RunCase(cases[i], suite, group, datasets);
        ++gtotal;
        bool listed = known.count(id) > 0;
        if (out.pass) {
          ++gpassed;
          if (listed) {
            ++unexpected_pass;
            std::cout << "UNEXPECTED PASS " << id << " (listed: " << known[id] << ")\n";
          }
        } else {
          failures.emplace_back(id, out.detail);
          if (!listed) {
            ++unexpected_fail;
            std::cout << "FAIL " << id << ": " << out.detail << "\n";
          } else if (verbose) {
            std::cout << "known failure " << id << ": " << out.detail << "\n";
          }
        }
      }
    }
    total += gtotal;
    passed += gpassed;
    std::string name = group.filename().string();
    name.resize(40, ' ');
    std::cout << name << gpassed << "/" << gtotal << "\n";
  }
  std::printf("total: %d/%d passed (%.1f%%)\n", passed, total,
              total ? 100.0 * passed / total : 0.0);
  if (!write_path.empty()) {
    std::ofstream f(write_path);
    for (const auto& [id, detail] : failures) f << id << "  " << detail << "\n";
  }
  if (!known_path.empty() && (unexpected_fail || unexpected_pass)) {
    std::cout << unexpected_fail << " unexpected failure(s), " << unexpected_pass
              << " listed case(s) now passing: update " << known_path << "\n";
    return 1;
  }
  return 0;
}
