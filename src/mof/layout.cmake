# SPDX-License-Identifier: MIT
# Data-block layout, encoder/decoder and C header emitter (included by
# src/mof/CMakeLists.txt, which owns the lwmi-mof target).
target_sources(lwmi-mof PRIVATE
    ${CMAKE_CURRENT_LIST_DIR}/layout.c
    ${CMAKE_CURRENT_LIST_DIR}/header.c)

lwmi_unit_test(NAME test-layout SOURCES ${CMAKE_CURRENT_LIST_DIR}/test-layout.c
               LIBS lwmi-mof LABELS unit)
lwmi_unit_test(NAME test-header SOURCES ${CMAKE_CURRENT_LIST_DIR}/test-header.c
               LIBS lwmi-mof LABELS unit)

lwmi_fuzz_target(NAME fuzz-block-decode
                 SOURCES ${PROJECT_SOURCE_DIR}/fuzz/fuzz-block-decode.c LIBS lwmi-mof)
