#include "perftrack/actor/mpsc_queue.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <thread>
#include <vector>

namespace perftrack::actor {
namespace {

struct item : mpsc_node {
  int producer = 0;
  int seq = 0;
};

TEST(MpscQueueTest, FifoForOneProducer) {
  mpsc_queue q;
  std::vector<item> items(5);
  for (int i = 0; i < 5; ++i) {
    items[i].seq = i;
    q.push(&items[i]);
  }
  for (int i = 0; i < 5; ++i) {
    auto* n = static_cast<item*>(q.pop());
    ASSERT_NE(n, nullptr);
    EXPECT_EQ(n->seq, i);
  }
  EXPECT_EQ(q.pop(), nullptr);
  EXPECT_FALSE(q.maybe_nonempty());
}

TEST(MpscQueueTest, ManyProducersLoseNothingAndKeepPerProducerOrder) {
  mpsc_queue q;
  constexpr int producers = 4;
  constexpr int each = 50000;
  std::vector<std::unique_ptr<item[]>> items;
  for (int p = 0; p < producers; ++p) items.push_back(std::make_unique<item[]>(each));
  std::vector<std::thread> threads;
  for (int p = 0; p < producers; ++p) {
    threads.emplace_back([&, p] {
      for (int i = 0; i < each; ++i) {
        items[p][i].producer = p;
        items[p][i].seq = i;
        q.push(&items[p][i]);
      }
    });
  }
  std::vector<int> next(producers, 0);
  int received = 0;
  bool ordered = true;
  while (received < producers * each) {
    if (auto* n = static_cast<item*>(q.pop())) {
      ordered &= n->seq == next[n->producer]++;
      ++received;
    }
  }
  for (auto& t : threads) t.join();
  EXPECT_TRUE(ordered);
  EXPECT_EQ(q.pop(), nullptr);
}

}  // namespace
}  // namespace perftrack::actor
