#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "perftrack/profile/profile.hpp"

namespace perftrack::profile {

/// A flame graph's frames in preorder: each node's children follow it, in
/// name order (the stacks' folded order), so x is where its parent starts
/// plus its older siblings' totals.
struct flame_node {
  std::uint32_t name = 0;  ///< index into flame_tree::names
  std::uint32_t depth = 0;
  std::uint64_t total = 0, self = 0;  ///< samples
};

struct flame_tree {
  std::vector<std::string> names;
  std::vector<flame_node> nodes;  ///< nodes[0] is the root, "all"
  std::uint32_t max_depth = 0;
};

/// The tree of `p`'s stacks (sorted, as normalize leaves them).
flame_tree build_tree(const profile& p);

}  // namespace perftrack::profile
