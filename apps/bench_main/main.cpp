// main() for benchmark programs that link perftrack::bench_main.
#include "perftrack/bench/main.hpp"

int main(int argc, char** argv) { return perftrack::bench::run_main(argc, argv); }
