/* SPDX-License-Identifier: MIT */
/*
 * Instances of provider classes straight from their data blocks: the data
 * items decoded into values, WHERE evaluated on them, the encoding written
 * from them, with no lwmi_object unless something needs one (system
 * properties in a WHERE, GROUP BY, a drop report). Queries and extrinsic
 * events both take this path.
 */

#include <errno.h>
#include <stdlib.h>

#include "broker/broker.h"
#include "core/object.h"
#include "shared/name.h"

/**
 * raw_item_map() - for each property of @cls, the index of its item in @l.
 * @cls: the class
 * @l: its data block layout
 *
 * Return: a new array of cls->n_props entries (-1: not a data item), or NULL
 * without memory.
 */
int *raw_item_map(const lwmi_object *cls, const BlockLayout *l) {
        int *map = malloc(MAX(cls->n_props, (size_t) 1) * sizeof(*map));

        if (!map)
                return NULL;
        for (size_t i = 0; i < cls->n_props; i++)
                map[i] = -1;
        for (size_t k = 0; k < l->n_items; k++)
                if (l->items[k].prop_index < cls->n_props)
                        map[l->items[k].prop_index] = (int) k;
        return map;
}

/**
 * raw_inst_prop() - the value of property @i of the instance.
 * @ri: the instance
 * @i: a property index of its class
 *
 * Return: a data item, a value the broker sets (InstanceName, Active,
 * TIME_CREATED), or the class default (borrowed).
 */
const lwmi_value *raw_inst_prop(const RawInst *ri, size_t i) {
        int item = ri->item_of_prop[i];

        if (item >= 0)
                return &ri->vals[item];
        if ((ssize_t) i == ri->idx_name)
                return &ri->v_name;
        if ((ssize_t) i == ri->idx_active)
                return &ri->v_active;
        if ((ssize_t) i == ri->idx_time)
                return &ri->v_time;
        return &ri->cls->props[i].value;
}

/**
 * raw_inst_object() - the instance as an object, built the first time.
 * @ri: the instance
 *
 * Return: the object (owned by @ri), or NULL without memory.
 */
lwmi_object *raw_inst_object(RawInst *ri) {
        lwmi_object *o = NULL;

        if (ri->obj)
                return ri->obj;
        if (lwmi_class_spawn_instance((lwmi_object *) ri->cls, &o) < 0)
                return NULL;
        for (size_t i = 0; i < o->n_props; i++) {
                lwmi_value_clear(&o->props[i].value);
                if (lwmi_value_copy(&o->props[i].value, raw_inst_prop(ri, i)) < 0) {
                        lwmi_object_unref(o);
                        return NULL;
                }
        }
        lwmi_object_set_namespace(o, NULL, ri->ns);
        return ri->obj = o;
}

/**
 * raw_inst_lookup() - WqlLookupFn over a RawInst (the userdata).
 * @userdata: the RawInst
 * @prop: the property
 *
 * Return: the value, or NULL when the class has no such property.
 */
const lwmi_value *raw_inst_lookup(void *userdata, const WqlProperty *prop) {
        RawInst *ri = userdata;
        lwmi_object *o;

        if (!prop->is_system) {
                for (size_t i = 0; i < ri->cls->n_props; i++)
                        if (lwmi_name_eq(ri->cls->props[i].name, prop->parts[0]))
                                return raw_inst_prop(ri, i);
                return NULL;
        }
        o = raw_inst_object(ri);
        if (!o)
                return NULL;
        if (lwmi_name_eq(prop->parts[0], "__this")) {
                ri->self = (lwmi_value){ .type = LWMI_CIM_OBJECT, .u.object = o };
                return &ri->self;
        }
        lwmi_value_clear(&ri->scratch);
        return lwmi_object_get(o, prop->parts[0], &ri->scratch, NULL) < 0 ? NULL : &ri->scratch;
}

/**
 * raw_inst_encode() - append the instance's encoding (cim_object_encode()'s).
 * @ri: the instance
 * @select: NULL, or per property whether it keeps its value (else NULL)
 * @out: the buffer
 *
 * Return: 0, -ENOMEM, -EINVAL.
 */
int raw_inst_encode(RawInst *ri, const bool *select, StrBuf *out) {
        const lwmi_value *stack[64], **ptrs = stack;
        _cleanup_free_ const lwmi_value **heap = NULL;
        _cleanup_free_ lwmi_value *nulls = NULL;
        size_t n = ri->cls->n_props;
        int r;

        if (n > ELEMENTSOF(stack) && !(ptrs = heap = calloc(n, sizeof(*ptrs))))
                return -ENOMEM;
        if (select && !(nulls = calloc(n, sizeof(*nulls))))
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                if (select && !select[i]) {
                        lwmi_value_set_null(&nulls[i], ri->cls->props[i].type);
                        ptrs[i] = &nulls[i];
                } else {
                        ptrs[i] = raw_inst_prop(ri, i);
                }
        }
        r = cim_encode_instance_values(out, ri->cls, ri->ns, ptrs);
        return r < 0 ? r : out->oom ? -ENOMEM : 0;
}

/**
 * raw_inst_clear() - free what the instance owns (its values, its object).
 * @ri: the instance
 * @n_items: the number of values in ri->vals
 */
void raw_inst_clear(RawInst *ri, size_t n_items) {
        for (size_t k = 0; k < n_items; k++)
                lwmi_value_clear(&ri->vals[k]);
        lwmi_value_clear(&ri->scratch);
        ri->obj = lwmi_object_unref(ri->obj);
}
