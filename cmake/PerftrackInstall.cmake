# Install + export so that find_package(perftrack) works for consumers
# (proven in CI by tests/consumer).
include(CMakePackageConfigHelpers)

install(TARGETS perftrack_store perftrack_recorder
  EXPORT perftrackTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  FILE_SET HEADERS DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(TARGETS perftrack RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(EXPORT perftrackTargets
  NAMESPACE perftrack::
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/perftrack)

configure_package_config_file(
  ${PROJECT_SOURCE_DIR}/cmake/perftrackConfig.cmake.in
  ${PROJECT_BINARY_DIR}/perftrackConfig.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/perftrack)
write_basic_package_version_file(
  ${PROJECT_BINARY_DIR}/perftrackConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES
  ${PROJECT_BINARY_DIR}/perftrackConfig.cmake
  ${PROJECT_BINARY_DIR}/perftrackConfigVersion.cmake
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/perftrack)
