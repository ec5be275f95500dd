#include "perftrack/coord/service.hpp"

#include <array>
#include <chrono>

#include "perftrack/recorder/timing.hpp"

namespace perftrack::coord {
namespace {

enum op_index : int {
  op_agent_register,
  op_agent_send,
  op_agent_messages,
  op_agent_status,
  op_agent_update_status,
  op_agent_set_handoff,
  op_task_create,
  op_task_update,
  op_task_claim,
  op_task_list,
  op_task_next,
  op_task_schedule,
  op_task_spawn,
  op_message_send,
  op_message_read,
  op_message_deliver,
  op_leader_register,
  op_leader_heartbeat,
  op_leader_election,
  op_leader_failover,
};

constexpr std::array<std::string_view, 20> op_names = {
    ops::agent_register,      ops::agent_send,        ops::agent_messages,  ops::agent_status,
    ops::agent_update_status, ops::agent_set_handoff, ops::task_create,     ops::task_update,
    ops::task_claim,          ops::task_list,         ops::task_next,       ops::task_schedule,
    ops::task_spawn,          ops::message_send,      ops::message_read,    ops::message_deliver,
    ops::leader_register,     ops::leader_heartbeat,  ops::leader_election, ops::leader_failover,
};

}  // namespace

std::int64_t system_now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

coordination_service::coordination_service(std::unique_ptr<store> s, tracker& t, clock_fn now)
    : store_(std::move(s)), tracker_(t), now_(std::move(now)) {
  for (std::size_t i = 0; i < op_names.size(); ++i) ops_[i] = tracker_.operation(op_names[i]);
}

// Runs one store step under a timer named `op`; a failure value is recorded as
// a failed operation with its message.
template <class F>
auto coordination_service::timed(operation_id op, F&& f) -> decltype(f()) {
  scoped_timer timer(tracker_, op);
  auto result = f();
  if (!result) timer.fail(result.error().message);
  return result;
}

expected<agent_info> coordination_service::agent_register(std::string_view id,
                                                          std::string_view name,
                                                          std::string_view capabilities) {
  return timed(ops_[op_agent_register],
               [&] { return store_->register_agent(id, name, capabilities, now_()); });
}

expected<std::int64_t> coordination_service::agent_send(std::string_view from, std::string_view to,
                                                        std::string_view body) {
  return timed(ops_[op_agent_send], [&] {
    if (!to.empty()) return store_->send_message(from, to, body, now_());
    auto made = store_->broadcast(from, body, now_());
    if (!made) return expected<std::int64_t>(made.error());
    return expected<std::int64_t>(static_cast<std::int64_t>(made->size()));
  });
}

expected<std::vector<addressed_message>> coordination_service::agent_broadcast(
    std::string_view from, std::string_view body) {
  return timed(ops_[op_agent_send], [&] { return store_->broadcast(from, body, now_()); });
}

expected<std::vector<stored_message>> coordination_service::agent_messages(std::string_view agent,
                                                                           bool unread_only,
                                                                           bool mark_read) {
  return timed(ops_[op_agent_messages],
               [&] { return store_->read_messages(agent, unread_only, mark_read); });
}

expected<std::vector<agent_info>> coordination_service::agent_status() {
  return timed(ops_[op_agent_status], [&] { return store_->agents(); });
}

expected<bool> coordination_service::agent_update_status(std::string_view id,
                                                         std::string_view status,
                                                         std::optional<std::int64_t> current_task) {
  return timed(ops_[op_agent_update_status], [&]() -> expected<bool> {
    const std::int64_t now = now_();
    auto r = store_->update_agent_status(id, status, current_task, now);
    if (!r) return r;
    if (auto h = store_->heartbeat(id, now); !h) return h.error();
    return r;
  });
}

expected<bool> coordination_service::agent_set_handoff(std::string_view id, bool handoff) {
  return timed(ops_[op_agent_set_handoff], [&] { return store_->set_handoff(id, handoff); });
}

expected<std::int64_t> coordination_service::task_create(const new_task& t) {
  return timed(ops_[op_task_create], [&] { return store_->create_task(t, now_()); });
}

expected<task> coordination_service::task_update(std::int64_t id, std::string_view agent,
                                                 task_status status, std::string_view notes) {
  return timed(ops_[op_task_update],
               [&] { return store_->update_task(id, agent, status, notes, now_()); });
}

expected<task> coordination_service::task_claim(std::int64_t id, std::string_view agent) {
  return timed(ops_[op_task_claim], [&] { return store_->claim_task(id, agent, now_()); });
}

expected<std::vector<task>> coordination_service::task_list(std::optional<task_status> status) {
  return timed(ops_[op_task_list], [&] { return store_->list_tasks(status); });
}

expected<std::optional<task>> coordination_service::task_next(std::string_view agent) {
  return timed(ops_[op_task_next], [&] { return store_->claim_next(agent, now_()); });
}

expected<std::int64_t> coordination_service::task_schedule(const new_task& t, std::int64_t at_ns) {
  return timed(ops_[op_task_schedule], [&] {
    new_task scheduled = t;
    scheduled.not_before_ns = at_ns;
    return store_->create_task(scheduled, now_());
  });
}

expected<std::int64_t> coordination_service::task_spawn(std::int64_t parent, const new_task& t) {
  return timed(ops_[op_task_spawn], [&] {
    new_task sub = t;
    sub.parent = parent;
    return store_->create_task(sub, now_());
  });
}

expected<std::int64_t> coordination_service::message_send(std::string_view from,
                                                          std::string_view to,
                                                          std::string_view body) {
  return timed(ops_[op_message_send], [&] { return store_->send_message(from, to, body, now_()); });
}

expected<std::vector<stored_message>> coordination_service::message_read(std::string_view agent) {
  return timed(ops_[op_message_read], [&] { return store_->read_messages(agent, true, true); });
}

expected<std::vector<stored_message>> coordination_service::message_unacked(
    std::string_view agent) {
  return timed(ops_[op_message_read], [&] { return store_->unacked(agent); });
}

expected<std::int64_t> coordination_service::message_acknowledge(
    const std::vector<std::int64_t>& ids) {
  return timed(ops_[op_message_deliver], [&] { return store_->ack_messages(ids); });
}

expected<std::int64_t> coordination_service::message_deliver(
    std::string_view agent, const std::function<bool(const stored_message&)>& deliver) {
  return timed(ops_[op_message_deliver], [&]() -> expected<std::int64_t> {
    auto pending = store_->unacked(agent);
    if (!pending) return pending.error();
    std::int64_t acked = 0;
    for (const auto& m : *pending) {
      if (!deliver(m)) continue;
      if (auto a = store_->ack_message(m.id); !a) return a.error();
      ++acked;
    }
    return acked;
  });
}

expected<bool> coordination_service::leader_register(std::string_view candidate) {
  return timed(ops_[op_leader_register],
               [&] { return store_->register_candidate(candidate, now_()); });
}

expected<leader_state> coordination_service::leader_heartbeat(std::string_view candidate,
                                                              std::int64_t epoch) {
  return timed(ops_[op_leader_heartbeat],
               [&] { return store_->renew_lead(candidate, epoch, now_()); });
}

expected<leader_state> coordination_service::leader_elect(std::string_view candidate) {
  // A takeover from another holder whose lease ran out is a failover; a first
  // election, a re-election and an attempt against a live lease are elections.
  const std::int64_t now = now_();
  const auto before = store_->leader();
  const bool failover = before && !before->holder.empty() && before->holder != candidate &&
                        before->lease_until_ns < now;
  return timed(ops_[failover ? op_leader_failover : op_leader_election],
               [&] { return store_->try_lead(candidate, now); });
}

}  // namespace perftrack::coord
