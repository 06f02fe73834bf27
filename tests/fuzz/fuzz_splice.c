/* Fuzz target: the JSON splicer. The first byte picks splice_set or splice_merge; then
 * newline-separated: the path, the record and the value (or object to merge). The
 * record and value are used only when they are JSON, as the engine does. A splice of
 * valid JSON is valid JSON, splice_blocked agrees with splice_set, and splice_set_valid
 * (for validated records) gives what splice_set gives. */
#include <string.h>

#include "fuzz.h"
#include "jsonvalid.h"
#include "splice.h"

/* The next newline-separated field of [*p, end). */
static void field(const char **p, const char *end, const char **f, size_t *n)
{
    const char *nl = memchr(*p, '\n', (size_t)(end - *p));
    *f = *p;
    *n = nl ? (size_t)(nl - *p) : (size_t)(end - *p);
    *p = nl ? nl + 1 : end;
}

static int is_json(const char *p, size_t n, enum jtype want)
{
    enum jtype type;
    size_t error_at;
    return json_validate(p, n, &type, &error_at) == 0 && (want == J_NONE || type == want);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    int merge = data[0] & 1;
    const char *p = (const char *)data + 1, *end = (const char *)data + size;
    const char *path, *rec, *val;
    size_t pn, rn, vn;
    field(&p, end, &path, &pn);
    field(&p, end, &rec, &rn);
    field(&p, end, &val, &vn);
    if (!is_json(rec, rn, J_OBJECT))
        return 0;
    struct buf out;
    buf_init(&out, 1 << 22);
    if (merge) {
        if (is_json(val, vn, J_OBJECT)) {
            enum splice_status st = splice_merge(rec, rn, val, vn, &out);
            FUZZ_CHECK(st == SPLICE_OK || st == SPLICE_NOMEM);
            if (st == SPLICE_OK)
                FUZZ_CHECK(is_json(out.data, out.len, J_OBJECT));
            else
                FUZZ_CHECK(out.len == 0);
        }
    } else if (is_json(val, vn, J_NONE)) {
        int blocked = splice_blocked(rec, rn, path, pn);
        enum splice_status st = splice_set(rec, rn, path, pn, val, vn, &out);
        FUZZ_CHECK(blocked == (st == SPLICE_BLOCKED     ? 1
                               : st == SPLICE_MALFORMED ? -1
                                                        : 0) ||
                   st == SPLICE_NOMEM);
        FUZZ_CHECK((st == SPLICE_MALFORMED) == !splice_path_valid(path, pn));
        if (st == SPLICE_OK)
            FUZZ_CHECK(is_json(out.data, out.len, J_OBJECT));
        else
            FUZZ_CHECK(out.len == 0);
        /* The record is valid: splice_set_valid gives the same, byte for byte. */
        struct buf fast;
        buf_init(&fast, 1 << 22);
        FUZZ_CHECK(splice_set_valid(rec, rn, path, pn, val, vn, &fast) == st);
        FUZZ_CHECK(fast.len == out.len &&
                   (out.len == 0 || memcmp(fast.data, out.data, out.len) == 0));
        buf_free(&fast);
    }
    buf_free(&out);
    return 0;
}
