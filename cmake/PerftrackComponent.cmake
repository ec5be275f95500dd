# One helper makes each component's CMakeLists a few lines (CAF's caf_add_component).
#
# perftrack_add_component(<name>
#   SOURCES <src>...            implementation files (listed, never globbed)
#   HEADERS <hdr>...            public headers, relative to include/
#   PUBLIC_DEPS <target>...     dependencies visible to users of the component
#   PRIVATE_DEPS <target>...    implementation-only dependencies
#   TESTS <test.cpp>...         unit tests; ctest names them <name>.<Suite>.<Case>
#   TEST_DEPS <target>...)      extra libraries the tests link
#
# Creates the target perftrack_<name> with the alias perftrack::<name>.

add_library(perftrack_warnings INTERFACE)
target_compile_options(perftrack_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wno-sign-conversion
  -Wno-missing-field-initializers)

function(perftrack_add_component name)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" ""
    "SOURCES;HEADERS;PUBLIC_DEPS;PRIVATE_DEPS;TESTS;TEST_DEPS")
  set(target perftrack_${name})
  add_library(${target} STATIC ${arg_SOURCES})
  add_library(perftrack::${name} ALIAS ${target})
  set_target_properties(${target} PROPERTIES
    EXPORT_NAME ${name} POSITION_INDEPENDENT_CODE ON)
  target_sources(${target} PUBLIC FILE_SET HEADERS
    BASE_DIRS ${CMAKE_CURRENT_SOURCE_DIR}/include
    FILES ${arg_HEADERS})
  target_compile_features(${target} PUBLIC cxx_std_20)
  target_link_libraries(${target}
    PUBLIC ${arg_PUBLIC_DEPS}
    PRIVATE ${arg_PRIVATE_DEPS} $<BUILD_INTERFACE:perftrack_warnings>)
  target_include_directories(${target} PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src)
  set_property(GLOBAL APPEND PROPERTY PERFTRACK_COMPONENTS ${target})

  if(PERFTRACK_BUILD_TESTS AND arg_TESTS)
    add_executable(${target}_tests ${arg_TESTS})
    target_link_libraries(${target}_tests PRIVATE
      ${target} ${arg_TEST_DEPS} perftrack_test_support GTest::gtest_main GTest::gmock
      perftrack_warnings)
    target_include_directories(${target}_tests PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src)
    gtest_discover_tests(${target}_tests
      TEST_PREFIX "${name}."
      PROPERTIES LABELS unit
      DISCOVERY_TIMEOUT 60)
  endif()
endfunction()

# perftrack_add_bench(<name> <source>... LIBS <target>...)
function(perftrack_add_bench name)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "" "LIBS")
  if(NOT PERFTRACK_BUILD_BENCHMARKS)
    return()
  endif()
  add_executable(${name} ${arg_UNPARSED_ARGUMENTS})
  target_link_libraries(${name} PRIVATE ${arg_LIBS} benchmark::benchmark perftrack_warnings)
endfunction()
