# SPDX-License-Identifier: MIT
# Data-block layout, encoder/decoder and C header emitter (included by
# src/mof/CMakeLists.txt, which owns the lwmi-mof target).
# lwmi-layout on its own: libwmi decodes data blocks too (BLOCKS, docs/protocol.md 4.3).
add_library(lwmi-layout STATIC ${CMAKE_CURRENT_LIST_DIR}/layout.c)
target_link_libraries(lwmi-layout PUBLIC lwmi-core lwmi_build_flags)
target_sources(lwmi-mof PRIVATE ${CMAKE_CURRENT_LIST_DIR}/header.c)
target_link_libraries(lwmi-mof PUBLIC lwmi-layout)

lwmi_unit_test(NAME test-layout SOURCES ${CMAKE_CURRENT_LIST_DIR}/test-layout.c
               LIBS lwmi-mof LABELS unit)
lwmi_unit_test(NAME test-header SOURCES ${CMAKE_CURRENT_LIST_DIR}/test-header.c
               LIBS lwmi-mof LABELS unit)

lwmi_fuzz_target(NAME fuzz-block-decode
                 SOURCES ${PROJECT_SOURCE_DIR}/fuzz/fuzz-block-decode.c LIBS lwmi-mof)
