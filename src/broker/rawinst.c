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

/* The layout's lookup of embedded classes: root\wmi of the repository. */
static lwmi_object *wmi_class_lookup(void *userdata, const char *class_name) {
        Broker *b = userdata;
        lwmi_object *o = NULL;

        if (repo_get_class(b->repo, NS_WMI, class_name, &o) < 0)
                return NULL;
        return o;
}

/**
 * raw_class_load() - the class @class_name of root\wmi with its data block
 * layout, which property is which item, and whether its instances may travel
 * as data blocks; kept when @rc holds the same class object already.
 * @b: the broker
 * @class_name: the class
 * @rc: the class loaded before (or zeroed); replaced only on success
 * @ret_msg: the layout's error message (may be NULL)
 *
 * Return: 0, -ENOENT (no such class), -EINVAL (no layout), -ENOMEM.
 */
int raw_class_load(Broker *b, const char *class_name, RawClass *rc, char **ret_msg) {
        _cleanup_(lwmi_object_unrefp) lwmi_object *cls = NULL;
        BlockLayout *layout = NULL;
        int *map;
        int r;

        r = repo_get_class(b->repo, NS_WMI, class_name, &cls);
        if (r < 0)
                return r;
        if (cls == rc->cls)
                return 0;
        r = block_layout_compute(cls, wmi_class_lookup, b, &layout, ret_msg);
        if (r < 0)
                return r;
        map = malloc(MAX(cls->n_props, (size_t) 1) * sizeof(*map));
        if (!map) {
                block_layout_free(layout);
                return -ENOMEM;
        }
        for (size_t i = 0; i < cls->n_props; i++)
                map[i] = -1;
        for (size_t k = 0; k < layout->n_items; k++)
                if (layout->items[k].prop_index < cls->n_props)
                        map[layout->items[k].prop_index] = (int) k;
        raw_class_clear(rc);
        *rc = (RawClass){ .cls = TAKE_PTR(cls), .layout = layout, .item_of_prop = map };
        rc->idx_name = lwmi_object_find_property(rc->cls, "InstanceName");
        rc->idx_active = lwmi_object_find_property(rc->cls, "Active");
        rc->idx_time = lwmi_object_find_property(rc->cls, "TIME_CREATED");
        /* as blocks unless an item embeds a class the client may not have */
        rc->blocks_ok = true;
        for (size_t k = 0; k < layout->n_items; k++)
                if (layout->items[k].embedded || layout->items[k].type == LWMI_CIM_OBJECT)
                        rc->blocks_ok = false;
        return 0;
}

/**
 * raw_class_clear() - drop what raw_class_load() made.
 * @rc: the class (zeroed afterwards)
 */
void raw_class_clear(RawClass *rc) {
        lwmi_object_unref(rc->cls);
        block_layout_free(rc->layout);
        free(rc->item_of_prop);
        *rc = (RawClass){ 0 };
}

/**
 * raw_inst_init() - an instance of @rc about to be read from its block.
 * @ri: the instance
 * @rc: its class (loaded)
 * @vals: rc->layout->n_items values, set NULL here
 * @name: InstanceName (borrowed), or NULL
 * @time_created: an event's TIME_CREATED, or NULL (not an event)
 */
void raw_inst_init(RawInst *ri, const RawClass *rc, lwmi_value *vals, const char *name,
                   const uint64_t *time_created) {
        for (size_t k = 0; k < rc->layout->n_items; k++)
                vals[k] = (lwmi_value) LWMI_VALUE_NULL;
        *ri = (RawInst){
                .cls = rc->cls,
                .ns = NS_WMI,
                .item_of_prop = rc->item_of_prop,
                .idx_name = rc->idx_name,
                .idx_active = rc->idx_active,
                .idx_time = time_created ? rc->idx_time : -1,
                .vals = vals,
                .v_name = { .type = LWMI_CIM_STRING, .is_null = !name, .u.string = (char *) name },
                .scratch = LWMI_VALUE_NULL
        };
        lwmi_value_set_bool(&ri->v_active, true);
        if (time_created)
                lwmi_value_set_uint(&ri->v_time, LWMI_CIM_UINT64, *time_created);
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
