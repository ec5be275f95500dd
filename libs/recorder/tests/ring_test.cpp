#include "ring.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <thread>
#include <vector>

namespace perftrack::detail {
namespace {

void put(ring& r, std::uint32_t op, std::size_t size = 32) {
  std::byte* at = r.try_reserve(size);
  ASSERT_NE(at, nullptr);
  auto* h = reinterpret_cast<record_header*>(at);
  h->size = static_cast<std::uint32_t>(size);
  h->op = op;
  r.commit();
}

TEST(RingTest, DeliversEntriesInOrder) {
  ring r(4096);
  for (std::uint32_t i = 0; i < 10; ++i) put(r, i);
  std::vector<std::uint32_t> seen;
  EXPECT_EQ(r.drain([&](const record_header& h) { seen.push_back(h.op); }), 10u);
  EXPECT_EQ(seen, (std::vector<std::uint32_t>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
  EXPECT_TRUE(r.empty());
}

TEST(RingTest, RefusesWhenFullAndRecoversAfterDrain) {
  ring r(4096);
  std::size_t n = 0;
  while (r.try_reserve(64) != nullptr) {
    auto* h = reinterpret_cast<record_header*>(r.try_reserve(64));
    h->size = 64;
    h->op = 1;
    r.commit();
    ++n;
  }
  EXPECT_EQ(n, 4096u / 64);
  r.drain([](const record_header&) {});
  EXPECT_NE(r.try_reserve(64), nullptr);
}

TEST(RingTest, PadsInsteadOfWrapping) {
  ring r(4096);
  // 4096 = 40 * 96 + 256: after 40 entries of 96 bytes, a 512-byte entry must wrap.
  for (int i = 0; i < 40; ++i) put(r, 1, 96);
  r.drain([](const record_header&) {});
  put(r, 7, 512);
  std::vector<std::uint32_t> seen;
  EXPECT_EQ(r.drain([&](const record_header& h) { seen.push_back(h.op); }), 1u);
  EXPECT_EQ(seen, std::vector<std::uint32_t>{7});
}

TEST(RingTest, ProducerAndConsumerThreadsAgree) {
  ring r(4096);
  constexpr std::uint32_t total = 200000;
  std::thread producer([&] {
    for (std::uint32_t i = 0; i < total;) {
      const std::size_t size = 32 + 8 * (i % 5);
      if (std::byte* at = r.try_reserve(size)) {
        auto* h = reinterpret_cast<record_header*>(at);
        h->size = static_cast<std::uint32_t>(size);
        h->op = i++;
        r.commit();
      }
    }
  });
  std::uint32_t expected = 0;
  bool in_order = true;
  while (expected < total) {
    r.drain([&](const record_header& h) { in_order &= h.op == expected++; });
  }
  producer.join();
  EXPECT_TRUE(in_order);
}

}  // namespace
}  // namespace perftrack::detail
