/* Fuzz target: the JSON validator, against cJSON where the two should agree. cJSON
 * takes more than RFC 8259 (control bytes as whitespace and inside strings, 01 and 1., bad hex
 * digits in \u escapes) and less (nesting past 1000 levels, lone surrogate escapes, numbers of 64
 * characters or more): on input clear of the second kind, what we accept cJSON accepts with the
 * same type, and what only cJSON accepts we refuse at a control byte or a number. A
 * valid text's span reads back as one value, and minifies to valid JSON (to itself
 * when it has no whitespace between tokens). Checking UTF-8 or not changes nothing
 * but utf8_bad. */
#include <cJSON.h>
#include <string.h>

#include "fuzz.h"
#include "jsonspan.h"

static enum jtype type_of(const cJSON *item)
{
    if (cJSON_IsObject(item))
        return J_OBJECT;
    if (cJSON_IsArray(item))
        return J_ARRAY;
    if (cJSON_IsString(item))
        return J_STRING;
    if (cJSON_IsNumber(item))
        return J_NUMBER;
    if (cJSON_IsTrue(item))
        return J_TRUE;
    if (cJSON_IsFalse(item))
        return J_FALSE;
    return J_NULL;
}

/* Could cJSON's own limits refuse valid JSON here? */
static int beyond_cjson(const char *p, size_t n)
{
    size_t openers = 0, run = 0;
    for (size_t i = 0; i < n; i++) {
        char c = p[i];
        openers += c == '[' || c == '{';
        run = strchr("0123456789+-.eE", c) && c ? run + 1 : 0;
        if (run >= 60)
            return 1;
        if (c == '\\' && i + 2 < n && p[i + 1] == 'u' && strchr("dD", p[i + 2]) && p[i + 2])
            return 1;
    }
    return openers >= 1000 || (n >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0);
}

/* What cJSON says: 1 and the type if p[0..n) is one value with only whitespace after. */
static int cjson_accepts(const char *p, size_t n, enum jtype *type)
{
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(p, n, &end, 0);
    if (!root)
        return 0;
    *type = type_of(root);
    cJSON_Delete(root);
    return jspan_skip_ws(end, p + n) == p + n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *p = (const char *)data;
    struct jspan_check c;
    int rc = jspan_validate(p, size, 1, &c);
    FUZZ_CHECK(rc == 0 || rc == -1);
    /* Checking UTF-8 changes nothing but utf8_bad. */
    struct jspan_check plain;
    FUZZ_CHECK(jspan_validate(p, size, 0, &plain) == rc && !plain.utf8_bad);
    FUZZ_CHECK(plain.type == c.type && plain.lead == c.lead && plain.len == c.len &&
               plain.spaced == c.spaced && plain.error_at == c.error_at);
    if (rc == -1)
        FUZZ_CHECK(c.error_at < size || (size == 0 && c.error_at == 0));
    if (rc == 0) {
        FUZZ_CHECK(c.lead + c.len <= size && c.len > 0);
        struct jspan v;
        FUZZ_CHECK(jspan_value(p + c.lead, p + c.lead + c.len, &v) == 0);
        FUZZ_CHECK(v.p == p + c.lead && v.n == c.len && v.type == c.type);
        struct buf out;
        buf_init(&out, 1 << 22);
        FUZZ_CHECK(jspan_minify(p + c.lead, c.len, &out) == 0);
        struct jspan_check m;
        FUZZ_CHECK(jspan_validate(out.data, out.len, 0, &m) == 0 && m.type == c.type && !m.spaced);
        if (!c.spaced)
            FUZZ_CHECK(out.len == c.len && memcmp(out.data, p + c.lead, c.len) == 0);
        buf_free(&out);
    }
    if (beyond_cjson(p, size))
        return 0;
    enum jtype type;
    int theirs = cjson_accepts(p, size, &type);
    if (rc == 0)
        FUZZ_CHECK(theirs && type == c.type);
    else if (theirs) {
        unsigned char at = (unsigned char)p[c.error_at];
        /* cJSON reads a \u escape with a bad hex digit as U+0000. */
        int bad_hex = at == '\\' && c.error_at + 1 < size && p[c.error_at + 1] == 'u';
        FUZZ_CHECK(at < 0x20 || at == '-' || (at >= '0' && at <= '9') || bad_hex);
    }
    return 0;
}
