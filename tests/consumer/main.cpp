// Records three operations into the directory named by argv[1].
#include <perftrack/recorder/timing.hpp>
#include <perftrack/recorder/tracker.hpp>

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  perftrack::tracker_options options;
  options.directory = argv[1];
  perftrack::tracker tracker(options);
  const auto op = tracker.operation("consumer_op");
  for (int i = 0; i < 3; ++i) {
    perftrack::scoped_timer timer(tracker, op);
  }
  tracker.flush();
  return tracker.counters().written == 3 ? 0 : 1;
}
