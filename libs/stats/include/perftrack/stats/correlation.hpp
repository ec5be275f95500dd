#pragma once

#include <span>
#include <vector>

namespace perftrack::stats {

/// The ranks of `values`, 1-based, ties given the mean of their ranks.
std::vector<double> ranks(std::span<const double> values);

/// Spearman's rank correlation of the pairs (x[i], y[i]) (same size, at least
/// 2): Pearson's correlation of their ranks, ties averaged (as SciPy's
/// spearmanr). NaN when either side is constant.
double spearman(std::span<const double> x, std::span<const double> y);

}  // namespace perftrack::stats
