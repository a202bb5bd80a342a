# cmake --install: headers, the static layer libraries, the shared libraries,
# the kinformer command, a CMake package (find_package(kinformer CONFIG)) and
# pkg-config files. Every file is relocatable: `cmake --install build --prefix
# DIR` works for any DIR. examples/consumer is a project that uses the result.
#
# Installed targets (namespace kinformer::):
#   kinformer          the client library: core cache client workqueue informers
#                      controller leaderelection serve, api (static, one archive per layer)
#   testing            the embedded API server, for users' own controller tests (static)
#   kinformer_shared   libkinformer.so: the same client library, shared
#   testing_shared     libkinformer_testing.so: the server, shared (links libkinformer.so)
#   openapi_gen        bin/kinformer-openapi-gen (types from a CRD; kinformer_crd_types())
# Pick one family: a static layer and a shared library in one program would
# hold two copies of it.
include(CMakePackageConfigHelpers)

set(KINFORMER_INSTALL_CMAKEDIR "${CMAKE_INSTALL_LIBDIR}/cmake/kinformer")

set(install_targets kinformer kinformer_testing)
foreach(layer IN LISTS KINFORMER_CLIENT_LAYERS)
  list(APPEND install_targets kinformer_${layer})
endforeach()
if(KINFORMER_BUILD_SHARED)
  list(APPEND install_targets kinformer_shared kinformer_testing_shared)
endif()

# A sanitizer build's libraries need the sanitizer runtime in every program
# that links them: the installed targets (and .pc files) carry the flags.
set(sanitize_flags "")
if(KINFORMER_SANITIZE)
  set(sanitize_flags "-fsanitize=${KINFORMER_SANITIZE}" -fno-omit-frame-pointer)
  foreach(t kinformer_core kinformer_shared)
    if(TARGET ${t})
      foreach(flag IN LISTS sanitize_flags)
        target_compile_options(${t} INTERFACE "$<INSTALL_INTERFACE:${flag}>")
      endforeach()
      target_link_options(${t} INTERFACE "$<INSTALL_INTERFACE:-fsanitize=${KINFORMER_SANITIZE}>")
    endif()
  endforeach()
endif()

install(TARGETS ${install_targets}
  EXPORT kinformerTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
if(TARGET kinformer_cli)
  install(TARGETS kinformer_cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endif()
# The generator, for users' own CRDs: bin/kinformer-openapi-gen, imported as
# kinformer::openapi_gen; kinformerConfig.cmake's kinformer_crd_types() runs it.
if(TARGET openapi_gen)
  install(TARGETS openapi_gen EXPORT kinformerTargets RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endif()

install(DIRECTORY include/kube DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} FILES_MATCHING PATTERN "*.h")
install(FILES "${KINFORMER_GENERATED_INCLUDE_DIR}/kube/version.h"
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/kube)

install(EXPORT kinformerTargets
  NAMESPACE kinformer::
  DESTINATION ${KINFORMER_INSTALL_CMAKEDIR})
configure_package_config_file(cmake/kinformerConfig.cmake.in
  "${PROJECT_BINARY_DIR}/cmake/kinformerConfig.cmake"
  INSTALL_DESTINATION ${KINFORMER_INSTALL_CMAKEDIR})
# 0.x: only the same minor version is compatible.
write_basic_package_version_file("${PROJECT_BINARY_DIR}/cmake/kinformerConfigVersion.cmake"
  COMPATIBILITY SameMinorVersion)
install(FILES
  "${PROJECT_BINARY_DIR}/cmake/kinformerConfig.cmake"
  "${PROJECT_BINARY_DIR}/cmake/kinformerConfigVersion.cmake"
  DESTINATION ${KINFORMER_INSTALL_CMAKEDIR})

# pkg-config: the shared libraries (kinformer, kinformer-testing). The prefix
# is found from the .pc file's own place, so the tree can be moved.
if(KINFORMER_BUILD_SHARED)
  file(RELATIVE_PATH KINFORMER_PC_TO_PREFIX
    "/prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/prefix")
  string(REGEX REPLACE "/$" "" KINFORMER_PC_TO_PREFIX "${KINFORMER_PC_TO_PREFIX}")
  list(JOIN sanitize_flags " " KINFORMER_PC_SANITIZE)
  foreach(pc kinformer kinformer-testing)
    configure_file(cmake/${pc}.pc.in "${PROJECT_BINARY_DIR}/pkgconfig/${pc}.pc" @ONLY)
    install(FILES "${PROJECT_BINARY_DIR}/pkgconfig/${pc}.pc" DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
  endforeach()
endif()
