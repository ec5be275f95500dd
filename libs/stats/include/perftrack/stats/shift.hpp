#pragma once

#include <span>

/// How much one sample is larger than another, by ranks. Pure.
namespace perftrack::stats {

struct ratio_estimate {
  double estimate = 0;  ///< NaN when either side is empty or holds a value <= 0
  double low = 0, high = 0;
};

/// The Hodges-Lehmann estimate of the ratio head/base: exp of the median of
/// every log(head_j) - log(base_i), with the distribution-free interval of the
/// Mann-Whitney test around it: the k-th smallest and k-th largest of those
/// differences, k = max(1, floor(N/2 - z sqrt(n m (n+m+1)/12))) with N = n m
/// and z the normal quantile of `confidence` (R's wilcox.test(conf.int = TRUE,
/// exact = FALSE, correct = FALSE) on the logs, without its tie correction).
/// The page of perftrack dashboard computes the same in JavaScript.
ratio_estimate hodges_lehmann_ratio(std::span<const double> base, std::span<const double> head,
                                    double confidence = 0.95);

}  // namespace perftrack::stats
