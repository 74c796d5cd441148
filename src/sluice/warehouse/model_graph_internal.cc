#include "sluice/warehouse/model_graph_internal.h"

#include <algorithm>
#include <map>

namespace sluice::warehouse {

Result<ModelGraph> ModelGraph::Make(const std::vector<Model>& models) {
  ModelGraph graph(models);
  size_t n = models.size();
  graph.upstream_.resize(n);
  graph.downstream_.resize(n);
  std::map<std::string, size_t> by_name;
  for (size_t i = 0; i < n; ++i) by_name[models[i].name] = i;
  for (size_t i = 0; i < n; ++i) {
    for (const TableName& read : models[i].reads) {
      if (read.schema != "gold") continue;
      auto it = by_name.find(read.name);
      if (it == by_name.end()) continue;  // a gold table no model builds: read as it is
      graph.upstream_[i].push_back(it->second);
      graph.downstream_[it->second].push_back(i);
    }
  }

  // Depth-first, visiting models by name so the order is stable; a model met again while
  // still on the path closes a cycle.
  enum class Mark { kNew, kOnPath, kDone };
  std::vector<Mark> mark(n, Mark::kNew);
  std::vector<size_t> path;
  std::vector<size_t> cycle;
  auto visit = [&](auto&& self, size_t m) -> bool {
    if (mark[m] == Mark::kDone) return true;
    if (mark[m] == Mark::kOnPath) {
      auto start = std::find(path.begin(), path.end(), m);
      cycle.assign(start, path.end());
      cycle.push_back(m);
      return false;
    }
    mark[m] = Mark::kOnPath;
    path.push_back(m);
    std::vector<size_t> up = graph.upstream_[m];
    std::sort(up.begin(), up.end(),
              [&](size_t a, size_t b) { return models[a].name < models[b].name; });
    for (size_t u : up) {
      if (!self(self, u)) return false;
    }
    path.pop_back();
    mark[m] = Mark::kDone;
    graph.order_.push_back(m);
    return true;
  };
  std::vector<size_t> by_name_order;
  for (const auto& [name, i] : by_name) by_name_order.push_back(i);
  for (size_t m : by_name_order) {
    if (visit(visit, m)) continue;
    // `cycle` runs reader → read → … → reader; show it in build order (read first).
    std::reverse(cycle.begin(), cycle.end());
    std::string names, reads;
    for (size_t k = 0; k < cycle.size(); ++k) {
      names += (k ? " → " : "") + models[cycle[k]].table().ToString();
      if (k + 1 < cycle.size()) {
        reads += (k ? ", " : "") + models[cycle[k + 1]].path + " reads " +
                 models[cycle[k]].table().ToString();
      }
    }
    return Status::InvalidArgument("models form a dependency cycle: " + names + " (" + reads + ")");
  }
  return graph;
}

void ModelGraph::Collect(size_t m, bool up, std::vector<bool>* seen) const {
  if ((*seen)[m]) return;
  (*seen)[m] = true;
  for (size_t next : up ? upstream_[m] : downstream_[m]) Collect(next, up, seen);
}

Result<std::vector<size_t>> ModelGraph::Select(const std::vector<std::string>& selectors) const {
  const std::vector<Model>& models = *models_;
  std::vector<bool> chosen(models.size(), selectors.empty());
  for (const std::string& selector : selectors) {
    size_t start = 0;
    while (start <= selector.size()) {
      size_t comma = selector.find(',', start);
      std::string item =
          selector.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
      start = comma == std::string::npos ? selector.size() + 1 : comma + 1;
      item.erase(0, item.find_first_not_of(" \t"));
      item.erase(item.find_last_not_of(" \t") + 1);
      if (item.empty()) continue;
      bool with_up = item.starts_with("+");
      bool with_down = item.size() > 1 && item.ends_with("+");
      std::string name = item.substr(with_up ? 1 : 0);
      if (with_down) name.pop_back();
      if (name.starts_with("gold.")) name = name.substr(5);
      auto it = std::find_if(models.begin(), models.end(),
                             [&](const Model& model) { return model.name == name; });
      if (it == models.end()) {
        std::string known;
        for (const Model& model : models) known += (known.empty() ? "" : ", ") + model.name;
        return Status::InvalidArgument("--select \"" + item + "\": no model named \"" + name +
                                       "\" (models: " + (known.empty() ? "none" : known) + ")");
      }
      size_t m = static_cast<size_t>(it - models.begin());
      std::vector<bool> up(models.size(), false), down(models.size(), false);
      if (with_up) Collect(m, true, &up);
      if (with_down) Collect(m, false, &down);
      chosen[m] = true;
      for (size_t i = 0; i < models.size(); ++i) chosen[i] = chosen[i] || up[i] || down[i];
    }
  }
  std::vector<size_t> out;
  for (size_t m : order_) {
    if (chosen[m]) out.push_back(m);
  }
  return out;
}

std::vector<size_t> ModelGraph::AllDownstream(size_t m) const {
  std::vector<bool> seen(models_->size(), false);
  Collect(m, false, &seen);
  seen[m] = false;
  std::vector<size_t> out;
  for (size_t i : order_) {
    if (seen[i]) out.push_back(i);
  }
  return out;
}

}  // namespace sluice::warehouse
