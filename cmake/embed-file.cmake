# SPDX-License-Identifier: MIT
# Turns a file into a C byte array at build time (no xxd needed):
#   cmake -DINPUT=in -DOUTPUT=out.c -DSYMBOL=name -P embed-file.cmake
# defines "const unsigned char name[]" (with a trailing NUL that is not
# counted) and "const size_t name_size".
file(READ "${INPUT}" hex HEX)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1, " bytes "${hex}")
# CMake regexes have no {n}: spell out 12 bytes per line.
string(REPEAT "0x[0-9a-f][0-9a-f], " 12 line)
string(REGEX REPLACE "(${line})" "\\1\n        " bytes "${bytes}")
string(REGEX REPLACE " \n" "\n" bytes "${bytes}")
get_filename_component(name "${INPUT}" NAME)
file(WRITE "${OUTPUT}.tmp"
"/* Generated from ${name} by embed-file.cmake; do not edit. */\n"
"#include <stddef.h>\n\n"
"extern const unsigned char ${SYMBOL}[];\n"
"extern const size_t ${SYMBOL}_size;\n\n"
"const unsigned char ${SYMBOL}[] = {\n        ${bytes}0x00\n};\n"
"const size_t ${SYMBOL}_size = sizeof(${SYMBOL}) - 1;\n")
file(COPY_FILE "${OUTPUT}.tmp" "${OUTPUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUTPUT}.tmp")
