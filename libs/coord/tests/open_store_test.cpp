// Backend-independent parts: store URLs and the election backoff.

#include <gtest/gtest.h>

#include "perftrack/coord/service.hpp"
#include "perftrack/coord/store.hpp"

namespace perftrack::coord {
namespace {

TEST(OpenStoreTest, UnknownStoreUrlsAreClearErrors) {
  auto bad = open_store("mysql://x");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("use sqlite:PATH or postgresql://"), std::string::npos);
  auto missing_dir = open_store("sqlite:/proc/no-such-dir/x.db");
  ASSERT_FALSE(missing_dir);
  EXPECT_NE(missing_dir.error().message.find("cannot open SQLite store"), std::string::npos);
}

TEST(OpenStoreTest, AnUnreachableServerIsRetriedThenNamed) {
  store_options o;
  o.reconnect_timeout = std::chrono::milliseconds(200);
  // Port 1 on loopback: nothing listens there, the connection is refused at once.
  auto down = open_store("postgresql://perftrack:secret@127.0.0.1:1/none", o);
  ASSERT_FALSE(down);
  const auto& m = down.error().message;
  EXPECT_NE(m.find("is unavailable after"), std::string::npos) << m;
  EXPECT_EQ(m.find("after 1 attempts"), std::string::npos) << m;  // it retried
  EXPECT_EQ(m.find("secret"), std::string::npos) << m;            // no password in messages
  EXPECT_NE(m.find("perftrack:***@127.0.0.1:1"), std::string::npos) << m;
}

TEST(ElectionBackoffTest, DoublesUpToOneMinute) {
  election_backoff b;
  std::vector<long> got;
  for (int i = 0; i < 9; ++i) got.push_back(static_cast<long>(b.next().count()));
  EXPECT_EQ(got, (std::vector<long>{1, 2, 4, 8, 16, 32, 60, 60, 60}));
  b.reset();
  EXPECT_EQ(b.next().count(), 1);
}

}  // namespace
}  // namespace perftrack::coord
