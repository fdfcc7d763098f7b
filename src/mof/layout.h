/* SPDX-License-Identifier: MIT */
/*
 * Binary data-block layout of WMI classes (docs/data-block-layout.md): the
 * byte image a driver's query / set / event carries for a class, the same
 * layout `mofcomp --header` gives the driver as a C struct. Encoding and
 * decoding between that image and lwmi_object instances.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <lwmi/common.h>

#include "shared/strbuf.h"

typedef struct BlockLayout BlockLayout;

typedef enum BlockArrayKind {
        BLOCK_SCALAR,
        BLOCK_ARRAY_FIXED,    /* T x[n], or Max(n) */
        BLOCK_ARRAY_VARIABLE, /* T x[] with WmiSizeIs("count item") */
} BlockArrayKind;

typedef struct BlockItem {
        char *name;        /* property (or parameter) name */
        size_t prop_index; /* class layouts: its index among the class's properties */
        uint32_t data_id;  /* WmiDataId (or parameter ID + 1) */
        lwmi_cimtype type; /* base type (no array flag) */
        BlockArrayKind array;
        uint32_t count;        /* BLOCK_ARRAY_FIXED: element count */
        int size_is;           /* BLOCK_ARRAY_VARIABLE: index in items[] of the count item */
        uint32_t max_len;      /* strings: MaxLen(n), 0 if none */
        size_t align;          /* alignment of the item (element alignment for arrays) */
        size_t elem_size;      /* size of one element; 0 for strings (variable) */
        bool fixed;            /* offset and size known without data */
        bool offset_known;     /* offset known without data (every earlier item fixed) */
        size_t offset;         /* valid when offset_known */
        size_t size;           /* total bytes when fixed */
        BlockLayout *embedded; /* embedded class layout (owned) or NULL */
        char *embedded_class;
} BlockItem;

struct BlockLayout {
        char *class_name;
        char *method;     /* method layouts: the method name, else NULL */
        bool out;         /* method layouts: the out-parameters */
        lwmi_object *cls; /* the class (referenced); decoding spawns embedded instances */
        BlockItem *items; /* ascending data_id */
        size_t n_items;
        size_t align;       /* largest item alignment (>= 1) */
        bool fixed;         /* every item fixed-size */
        size_t size;        /* fixed: offset of last item + its size (the X_SIZE macro) */
        size_t sizeof_size; /* fixed: size rounded up to align (C sizeof) */
        size_t min_size;    /* bytes before the first variable item (fixed: size) */
        /*
         * Fixed, and every item a scalar number, boolean or char16: any
         * block of at least @size bytes is valid, each item at its offset.
         */
        bool plain;
};

/* Upper bound of a fixed block and of nesting, so that hostile MOF cannot overflow sizes. */
#define BLOCK_SIZE_MAX    ((size_t) 1 << 30)
#define BLOCK_NESTING_MAX 16
/* Largest element count a variable array may decode to. */
#define BLOCK_ARRAY_MAX   ((size_t) 1 << 20)

BlockLayout *block_layout_free(BlockLayout *l);
static inline void block_layout_freep(BlockLayout **l) {
        if (*l)
                block_layout_free(*l);
}

/* Looks up an embedded class by name (new reference, or NULL). */
typedef lwmi_object *(*BlockClassLookupFn)(void *userdata, const char *class_name);

/*
 * block_layout_compute() - layout of the WmiDataId items of class @cls.
 * @lookup: finds embedded classes (may be NULL: then embedded classes are unknown)
 * @reterr_message: optional; receives a malloc'ed message on -EINVAL
 *
 * Return: 0, -EINVAL with *reterr_message (malloc'ed) describing the problem
 * (missing/duplicate ids, unknown embedded class, unsupported type), -ENOMEM.
 */
int block_layout_compute(const lwmi_object *cls, BlockClassLookupFn lookup, void *userdata,
                         BlockLayout **ret, char **reterr_message);

/*
 * block_layout_compute_method() - layout of a method's in (@out = false) or
 * out parameters, in parameter-ID order. A parameter's id is its ID qualifier
 * plus one, else its WmiDataId, else its declaration position (1-based); the
 * return value is not part of the block.
 * Return: as block_layout_compute(), plus -ENOENT when @cls has no such method.
 */
int block_layout_compute_method(const lwmi_object *cls, const char *method, bool out,
                                BlockClassLookupFn lookup, void *userdata, BlockLayout **ret,
                                char **reterr_message);

/*
 * block_decode() - fill the data items of instance @inst (of the layout's
 * class, or a __PARAMETERS object) from @size bytes at @data.
 * Return: 0, -EBADMSG (data shorter than the layout needs, bad string count,
 * bad UTF-16) with no partial state promised, -ENOMEM.
 */
int block_decode(const BlockLayout *l, const void *data, size_t size, lwmi_object *inst);
int block_decode_values(const BlockLayout *l, const void *data, size_t size, lwmi_value *vals);

/*
 * block_encode() - append the byte image of @inst's data items to @out.
 * NULL values encode as zero; a NULL count item takes its array's length. The
 * block ends after its last item (no tail padding, the X_SIZE rule); padding is
 * relative to the block start, i.e. out->len on entry.
 * Return: 0, -ERANGE (a string longer than its MaxLen or 32767 UTF-16 units,
 * a count item that disagrees with its array, a value out of range for its
 * item, a fixed array with too many elements), -EINVAL (a value of the wrong
 * kind, an embedded object of another class), -ENOMEM.
 */
int block_encode(const BlockLayout *l, const lwmi_object *inst, StrBuf *out);
