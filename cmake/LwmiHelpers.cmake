# SPDX-License-Identifier: MIT
# Helper functions shared by every CMakeLists.txt of lwmi.
include(CheckCCompilerFlag)

# Warning flags, each probed so that gcc and clang both get what they support.
#   -Wall -Wextra            the usual baseline
#   -Wno-unused-parameter    callbacks and vtables take parameters they ignore
#   -Wshadow                 a shadowed local is nearly always a bug
#   -Wundef                  #if on an undefined macro silently means 0
#   -Wwrite-strings          string literals are const
#   -Wstrict-prototypes      f() means "any arguments" in C17
#   -Wmissing-prototypes     every non-static function is declared in a header
#   -Wformat=2               printf-style format checks, including non-literals
#   -Wimplicit-fallthrough   switch fallthrough must be marked
#   -Wlogical-op -Wduplicated-cond (gcc) suspicious conditions
#   -Wvla                    no variable length arrays on the stack (peer-controlled sizes)
set(LWMI_WARNING_FLAGS "")
foreach(flag -Wall -Wextra -Wno-unused-parameter -Wshadow -Wundef -Wwrite-strings
             -Wstrict-prototypes -Wmissing-prototypes -Wformat=2 -Wimplicit-fallthrough
             -Wlogical-op -Wduplicated-cond -Wvla)
    string(MAKE_C_IDENTIFIER "HAVE${flag}" var)
    check_c_compiler_flag(${flag} ${var})
    if(${var})
        list(APPEND LWMI_WARNING_FLAGS ${flag})
    endif()
endforeach()
if(LWMI_WERROR)
    list(APPEND LWMI_WARNING_FLAGS -Werror)
endif()

set(LWMI_SAN_FLAGS "")
if(LWMI_SANITIZE)
    list(APPEND LWMI_SAN_FLAGS -fsanitize=${LWMI_SANITIZE} -fno-omit-frame-pointer
         -fno-sanitize-recover=all)
endif()

# An interface target every lwmi target links: warnings, sanitizers, include paths.
add_library(lwmi_build_flags INTERFACE)
target_compile_options(lwmi_build_flags INTERFACE ${LWMI_WARNING_FLAGS} ${LWMI_SAN_FLAGS})
target_link_options(lwmi_build_flags INTERFACE ${LWMI_SAN_FLAGS})
target_include_directories(lwmi_build_flags INTERFACE
    ${PROJECT_SOURCE_DIR}/include ${PROJECT_SOURCE_DIR}/src)
target_compile_definitions(lwmi_build_flags INTERFACE _GNU_SOURCE)

# lwmi_unit_test(NAME n SOURCES s... LIBS l... LABELS x... [ARGS a...] [ENV e...])
function(lwmi_unit_test)
    cmake_parse_arguments(T "" "NAME;TIMEOUT" "SOURCES;LIBS;LABELS;ARGS;ENV" ${ARGN})
    add_executable(${T_NAME} ${T_SOURCES})
    target_link_libraries(${T_NAME} PRIVATE ${T_LIBS} lwmi_build_flags)
    add_test(NAME ${T_NAME} COMMAND ${T_NAME} ${T_ARGS})
    if(NOT T_TIMEOUT)
        set(T_TIMEOUT 60)
    endif()
    set_tests_properties(${T_NAME} PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT ${T_TIMEOUT}
                         LABELS "${T_LABELS}")
    if(T_ENV)
        set_tests_properties(${T_NAME} PROPERTIES ENVIRONMENT "${T_ENV}")
    endif()
endfunction()

# lwmi_fuzz_target(NAME n SOURCES s... LIBS l...)
# With LWMI_FUZZ the harness links libFuzzer; otherwise it links a small
# replay main() so that every build replays the stored corpus as a CTest.
function(lwmi_fuzz_target)
    cmake_parse_arguments(F "" "NAME" "SOURCES;LIBS" ${ARGN})
    add_executable(${F_NAME} ${F_SOURCES})
    target_link_libraries(${F_NAME} PRIVATE ${F_LIBS} lwmi_build_flags)
    if(LWMI_FUZZ)
        target_link_options(${F_NAME} PRIVATE -fsanitize=fuzzer)
    else()
        target_sources(${F_NAME} PRIVATE ${PROJECT_SOURCE_DIR}/fuzz/fuzz-replay.c)
    endif()
    set(corpus ${PROJECT_SOURCE_DIR}/fuzz/corpus/${F_NAME})
    if(LWMI_FUZZ)
        add_test(NAME ${F_NAME}-replay COMMAND ${F_NAME} -runs=0 ${corpus})
    else()
        add_test(NAME ${F_NAME}-replay COMMAND ${F_NAME} ${corpus})
    endif()
    set_tests_properties(${F_NAME}-replay PROPERTIES TIMEOUT 300 LABELS "fuzz;unit")
endfunction()
