/* SPDX-License-Identifier: MIT */
/*
 * DMTF datetimes: timestamps "yyyymmddhhmmss.mmmmmmsutc" and intervals
 * "ddddddddhhmmss.mmmmmm:000", with '*' wildcards, compare and unix time.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lwmi/common.h>

#include "shared/macro.h"

#define USEC_PER_SEC  INT64_C(1000000)
#define USEC_PER_MIN  (60 * USEC_PER_SEC)
#define USEC_PER_HOUR (60 * USEC_PER_MIN)
#define USEC_PER_DAY  (24 * USEC_PER_HOUR)

/*
 * Parses a field of @n characters: all digits (returns 0, value in *ret) or
 * all asterisks (returns 1, *ret = 0). Anything else: -EINVAL.
 */
static int parse_field(const char *s, size_t n, uint32_t *ret) {
        uint32_t v = 0;

        if (s[0] == '*') {
                for (size_t i = 0; i < n; i++)
                        if (s[i] != '*')
                                return -EINVAL;
                *ret = 0;
                return 1;
        }
        for (size_t i = 0; i < n; i++) {
                if (s[i] < '0' || s[i] > '9')
                        return -EINVAL;
                v = v * 10 + (uint32_t) (s[i] - '0');
        }
        *ret = v;
        return 0;
}

/*
 * Microseconds: digits, optionally followed by asterisks (DMTF lets the
 * trailing digits be unknown: "123***"). Returns 1 when any asterisk is
 * present; asterisk positions count as zero digits.
 */
static int parse_usec(const char *s, uint32_t *ret) {
        uint32_t v = 0;
        bool star = false;

        for (size_t i = 0; i < 6; i++) {
                if (s[i] == '*') {
                        star = true;
                        v *= 10;
                } else if (s[i] >= '0' && s[i] <= '9' && !star) {
                        v = v * 10 + (uint32_t) (s[i] - '0');
                } else {
                        return -EINVAL;
                }
        }
        *ret = v;
        return star;
}

static bool is_leap(uint32_t y) {
        return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static uint32_t days_in_month(uint32_t y, uint32_t m, bool year_known) {
        static const uint8_t dim[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

        if (m == 2 && (!year_known || is_leap(y)))
                return 29;
        return dim[m - 1];
}

_public_ int lwmi_datetime_parse(const char *s, lwmi_datetime *ret_dt) {
        lwmi_datetime dt = {};
        struct {
                size_t off, len;
                uint32_t *val;
                uint16_t bit;
        } fields[] = {
                { 0, 4, &dt.year, LWMI_DATETIME_WILD_YEAR },
                { 4, 2, &dt.month, LWMI_DATETIME_WILD_MONTH },
                { 6, 2, &dt.day, LWMI_DATETIME_WILD_DAY },
                { 8, 2, &dt.hour, LWMI_DATETIME_WILD_HOUR },
                { 10, 2, &dt.minute, LWMI_DATETIME_WILD_MINUTE },
                { 12, 2, &dt.second, LWMI_DATETIME_WILD_SECOND },
        };
        int r;

        assert_return(s, -EINVAL);
        assert_return(ret_dt, -EINVAL);

        if (strnlen(s, 26) != 25 || s[14] != '.')
                return -EINVAL;

        if (s[21] == ':') {
                dt.is_interval = true;
                if (memcmp(s + 22, "000", 3) != 0)
                        return -EINVAL;
                /* intervals: 8 digits of days, no year or month */
                r = parse_field(s, 8, &dt.day);
                if (r < 0)
                        return r;
                if (r > 0)
                        dt.wildcards |= LWMI_DATETIME_WILD_DAY;
                for (size_t i = 3; i < ELEMENTSOF(fields); i++) {
                        r = parse_field(s + fields[i].off, fields[i].len, fields[i].val);
                        if (r < 0)
                                return r;
                        if (r > 0)
                                dt.wildcards |= fields[i].bit;
                }
        } else if (s[21] == '+' || s[21] == '-') {
                uint32_t utc;

                for (size_t i = 0; i < ELEMENTSOF(fields); i++) {
                        r = parse_field(s + fields[i].off, fields[i].len, fields[i].val);
                        if (r < 0)
                                return r;
                        if (r > 0)
                                dt.wildcards |= fields[i].bit;
                }
                r = parse_field(s + 22, 3, &utc);
                if (r < 0)
                        return r;
                if (r > 0)
                        dt.wildcards |= LWMI_DATETIME_WILD_UTC;
                dt.utc_offset = (int16_t) (s[21] == '-' ? -(int32_t) utc : (int32_t) utc);
        } else {
                return -EINVAL;
        }

        r = parse_usec(s + 15, &dt.microseconds);
        if (r < 0)
                return r;
        if (r > 0)
                dt.wildcards |= LWMI_DATETIME_WILD_MICROSECONDS;

        /* range checks; wildcard fields are zero and skipped */
        if (!dt.is_interval) {
                if (!(dt.wildcards & LWMI_DATETIME_WILD_MONTH) && (dt.month < 1 || dt.month > 12))
                        return -EINVAL;
                if (!(dt.wildcards & LWMI_DATETIME_WILD_DAY)) {
                        uint32_t max = 31;
                        if (!(dt.wildcards & LWMI_DATETIME_WILD_MONTH))
                                max = days_in_month(dt.year, dt.month,
                                                    !(dt.wildcards & LWMI_DATETIME_WILD_YEAR));
                        if (dt.day < 1 || dt.day > max)
                                return -EINVAL;
                }
        }
        if (dt.hour > 23 || dt.minute > 59 || dt.second > (dt.is_interval ? 59u : 60u))
                return -EINVAL;

        *ret_dt = dt;
        return 0;
}

/* Writes @v as @n digits, or @n asterisks when @wild. */
static void put_field(char *out, size_t n, uint32_t v, bool wild) {
        for (size_t i = n; i > 0; i--) {
                out[i - 1] = wild ? '*' : (char) ('0' + v % 10);
                v /= 10;
        }
}

_public_ char *lwmi_datetime_format(const lwmi_datetime *dt, char out[LWMI_DATETIME_STRING_MAX]) {
        uint16_t w = dt->wildcards;

        if (dt->is_interval) {
                put_field(out, 8, dt->day, w & LWMI_DATETIME_WILD_DAY);
        } else {
                put_field(out, 4, dt->year, w & LWMI_DATETIME_WILD_YEAR);
                put_field(out + 4, 2, dt->month, w & LWMI_DATETIME_WILD_MONTH);
                put_field(out + 6, 2, dt->day, w & LWMI_DATETIME_WILD_DAY);
        }
        put_field(out + 8, 2, dt->hour, w & LWMI_DATETIME_WILD_HOUR);
        put_field(out + 10, 2, dt->minute, w & LWMI_DATETIME_WILD_MINUTE);
        put_field(out + 12, 2, dt->second, w & LWMI_DATETIME_WILD_SECOND);
        out[14] = '.';
        put_field(out + 15, 6, dt->microseconds, false);
        if (w & LWMI_DATETIME_WILD_MICROSECONDS) {
                /*
                 * Only "some trailing digits unknown" is representable: the
                 * trailing zero digits become asterisks (at least one).
                 */
                size_t i = 21;
                do
                        out[--i] = '*';
                while (i > 15 && out[i - 1] == '0');
        }
        if (dt->is_interval) {
                memcpy(out + 21, ":000", 4);
        } else {
                int32_t off = dt->utc_offset;
                out[21] = off < 0 ? '-' : '+';
                put_field(out + 22, 3, (uint32_t) (off < 0 ? -off : off),
                          w & LWMI_DATETIME_WILD_UTC);
        }
        out[25] = 0;
        return out;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm). */
static int64_t days_from_civil(int64_t y, uint32_t m, uint32_t d) {
        int64_t era, yoe, doy, doe;

        y -= m <= 2;
        era = (y >= 0 ? y : y - 399) / 400;
        yoe = y - era * 400;
        doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
        doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *ret_y, uint32_t *ret_m, uint32_t *ret_d) {
        int64_t era, doe, yoe, y, doy, mp;

        z += 719468;
        era = (z >= 0 ? z : z - 146096) / 146097;
        doe = z - era * 146097;
        yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
        y = yoe + era * 400;
        doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        mp = (5 * doy + 2) / 153;
        *ret_d = (uint32_t) (doy - (153 * mp + 2) / 5 + 1);
        *ret_m = (uint32_t) (mp < 10 ? mp + 3 : mp - 9);
        *ret_y = y + (*ret_m <= 2);
}

_public_ int lwmi_datetime_to_unix_usec(const lwmi_datetime *dt, int64_t *ret_usec) {
        int64_t t;

        assert_return(dt, -EINVAL);
        assert_return(ret_usec, -EINVAL);
        assert_return(dt->wildcards == 0, -EINVAL);

        /* fields are clamped the way lwmi_datetime_format() prints them */
        t = (int64_t) (dt->hour % 100) * USEC_PER_HOUR +
            (int64_t) (dt->minute % 100) * USEC_PER_MIN +
            (int64_t) (dt->second % 100) * USEC_PER_SEC + (int64_t) (dt->microseconds % 1000000);
        if (dt->is_interval) {
                t += (int64_t) (dt->day % 100000000) * USEC_PER_DAY;
        } else {
                uint32_t m = dt->month % 100, d = dt->day % 100;
                if (m < 1 || m > 12)
                        return -EINVAL;
                t += days_from_civil(dt->year % 10000, m, d) * USEC_PER_DAY;
                t -= (int64_t) dt->utc_offset * USEC_PER_MIN;
        }
        *ret_usec = t;
        return 0;
}

_public_ int lwmi_datetime_from_unix_usec(int64_t usec, int16_t utc_offset, lwmi_datetime *ret_dt) {
        int64_t local, days, rem, y;
        uint32_t m, d;

        assert_return(ret_dt, -EINVAL);
        assert_return(utc_offset >= -999 && utc_offset <= 999, -EINVAL);

        if (__builtin_add_overflow(usec, (int64_t) utc_offset * USEC_PER_MIN, &local))
                return -ERANGE;
        days = local / USEC_PER_DAY;
        rem = local % USEC_PER_DAY;
        if (rem < 0) {
                rem += USEC_PER_DAY;
                days--;
        }
        civil_from_days(days, &y, &m, &d);
        if (y < 0 || y > 9999)
                return -ERANGE;

        *ret_dt = (lwmi_datetime){
                .utc_offset = utc_offset,
                .year = (uint32_t) y,
                .month = m,
                .day = d,
                .hour = (uint32_t) (rem / USEC_PER_HOUR),
                .minute = (uint32_t) (rem / USEC_PER_MIN % 60),
                .second = (uint32_t) (rem / USEC_PER_SEC % 60),
                .microseconds = (uint32_t) (rem % USEC_PER_SEC),
        };
        return 0;
}

_public_ int lwmi_datetime_compare(const lwmi_datetime *a, const lwmi_datetime *b, int *ret_cmp) {
        int64_t x, y;
        int r;

        assert_return(a, -EINVAL);
        assert_return(b, -EINVAL);
        assert_return(ret_cmp, -EINVAL);

        if (a->is_interval != b->is_interval)
                return -EINVAL;
        r = lwmi_datetime_to_unix_usec(a, &x);
        if (r < 0)
                return r;
        r = lwmi_datetime_to_unix_usec(b, &y);
        if (r < 0)
                return r;
        *ret_cmp = (x > y) - (x < y);
        return 0;
}
