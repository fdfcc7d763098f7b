/* SPDX-License-Identifier: MIT */
/* Macros for the mofcomp --cpp test. */
/* The line continuation below is what the test exercises. */
/* clang-format off */
#define SAMPLE_GUID "{2B1B9A3E-5D6C-4E7F-8A9B-0C1D2E3F4A5B}"
#define DATA_QUALIFIERS read, write, \
        Description("a macro-built qualifier list")
#define COUNT_TYPE uint32
