#include "perftrack/suite/suite.hpp"

namespace perftrack::suite {

void add_all(bench::registry& r) {
  add_agent_spawn(r);
  add_message_throughput(r);
  add_encoding_and_queues(r);
  add_memory(r);
  add_database(r);
  add_websocket(r);
  add_concurrent_load(r);
  add_task_completion(r);
  add_leader_election(r);
  add_peers(r);
}

}  // namespace perftrack::suite
