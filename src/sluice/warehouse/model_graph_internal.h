#pragma once

// The dependency graph of gold models: model A depends on model B when A reads gold.B (or
// tests a relationship to it). Models are addressed by their index in the vector the graph
// was made from, which must outlive it. Immutable after Make; thread-safe to read.

#include <string>
#include <vector>

#include "sluice/common/status.h"
#include "sluice/warehouse/models.h"

namespace sluice::warehouse {

class ModelGraph {
 public:
  // InvalidArgument "dependency cycle: gold.a → gold.b → gold.a (models/a.sql reads gold.b,
  // …)" when models depend on each other in a circle.
  static Result<ModelGraph> Make(const std::vector<Model>& models);

  // The models `m` reads, and the models that read `m`.
  const std::vector<size_t>& upstream(size_t m) const { return upstream_[m]; }
  const std::vector<size_t>& downstream(size_t m) const { return downstream_[m]; }
  // Every model, each after all it depends on (ties by name).
  const std::vector<size_t>& order() const { return order_; }

  // The models the selectors name ("M", "+M", "M+", "+M+"; several may be given, each may
  // hold a comma-separated list), in order(). Empty selectors: all. InvalidArgument for an
  // unknown model, naming the known ones.
  Result<std::vector<size_t>> Select(const std::vector<std::string>& selectors) const;

  // The models downstream of `m`, directly or not, in order().
  std::vector<size_t> AllDownstream(size_t m) const;

 private:
  explicit ModelGraph(const std::vector<Model>& models) : models_(&models) {}
  void Collect(size_t m, bool up, std::vector<bool>* seen) const;

  const std::vector<Model>* models_;
  std::vector<std::vector<size_t>> upstream_;
  std::vector<std::vector<size_t>> downstream_;
  std::vector<size_t> order_;
};

}  // namespace sluice::warehouse
