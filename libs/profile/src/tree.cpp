#include "tree.hpp"

#include <unordered_map>

namespace perftrack::profile {

flame_tree build_tree(const profile& p) {
  flame_tree t;
  std::unordered_map<std::string, std::uint32_t> name_ids;
  const auto name_of = [&](const std::string& s) {
    const auto [it, fresh] = name_ids.try_emplace(s, static_cast<std::uint32_t>(t.names.size()));
    if (fresh) t.names.push_back(s);
    return it->second;
  };
  t.nodes.push_back({name_of("all"), 0, 0, 0});
  // The path of nodes to the previous stack: sorted stacks share prefixes
  // with their predecessor, so a node is reused while the frames agree.
  std::vector<std::size_t> path{0};
  const std::vector<std::string>* previous = nullptr;
  for (const auto& s : p.stacks) {
    std::size_t common = 0;
    if (previous != nullptr) {
      while (common < s.frames.size() && common < previous->size() &&
             s.frames[common] == (*previous)[common])
        ++common;
    }
    path.resize(common + 1);
    for (std::size_t d = common; d < s.frames.size(); ++d) {
      path.push_back(t.nodes.size());
      t.nodes.push_back({name_of(s.frames[d]), static_cast<std::uint32_t>(d + 1), 0, 0});
    }
    for (const auto i : path) t.nodes[i].total += s.samples;
    t.nodes[path.back()].self += s.samples;
    t.max_depth = std::max<std::uint32_t>(t.max_depth, static_cast<std::uint32_t>(s.frames.size()));
    previous = &s.frames;
  }
  return t;
}

}  // namespace perftrack::profile
