/* Splicing a value into a record's text: find the member (or the closing
 * brace to insert before), then write the record in three pieces: the bytes
 * before, the new text, the bytes after. */
#include "splice.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "jsonspan.h"

int splice_path_valid(const char *path, size_t n)
{
    struct jspan_path_iter it;
    const char *comp;
    size_t len;
    jspan_path_begin(&it, path, n);
    while (jspan_path_next(&it, &comp, &len))
        if (len == 0)
            return 0;
    return 1;
}

/* The record's object without surrounding whitespace. Only the brackets are
 * checked here; walking the members finds malformed text inside. */
static int record_object(const char *rec, size_t n, struct jspan *obj)
{
    const char *p = jspan_skip_ws(rec, rec + n);
    const char *end = rec + n;
    while (end > p && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\n' || end[-1] == '\r'))
        end--;
    if (end - p < 2 || p[0] != '{' || end[-1] != '}')
        return -1;
    obj->p = p;
    obj->n = (size_t)(end - p);
    obj->type = J_OBJECT;
    return 0;
}

/* Write rec with rec[at..at+cut) replaced by val. */
static enum splice_status write_replace(const char *rec, size_t n, size_t at, size_t cut,
                                        const char *val, size_t vn, struct buf *out)
{
    if (buf_append(out, rec, at) < 0 || buf_append(out, val, vn) < 0 ||
        buf_append(out, rec + at + cut, n - at - cut) < 0)
        return SPLICE_NOMEM;
    return SPLICE_OK;
}

/* Write `"c1":{"c2":{..."ck":val}}` for the components of path[0..pn). */
static int write_members(const char *path, size_t pn, const char *val, size_t vn, struct buf *out)
{
    struct jspan_path_iter it;
    const char *comp;
    size_t len, opened = 0;
    jspan_path_begin(&it, path, pn);
    while (jspan_path_next(&it, &comp, &len)) {
        if (jspan_quote(comp, len, out) < 0 || buf_putc(out, ':') < 0)
            return -1;
        if (!it.more)
            break;
        if (buf_putc(out, '{') < 0)
            return -1;
        opened++;
    }
    if (buf_append(out, val, vn) < 0)
        return -1;
    for (; opened > 0; opened--)
        if (buf_putc(out, '}') < 0)
            return -1;
    return 0;
}

/* Insert the members for the remaining path into obj, before its closing
 * brace, with a comma unless obj has no members. */
static enum splice_status write_insert(const char *rec, size_t n, const struct jspan *obj,
                                       const char *path, size_t pn, const char *val, size_t vn,
                                       struct buf *out)
{
    const char *close = obj->p + obj->n - 1;
    int empty = jspan_skip_ws(obj->p + 1, close) == close;
    size_t at = (size_t)(close - rec);
    if (buf_append(out, rec, at) < 0 || (!empty && buf_putc(out, ',') < 0) ||
        write_members(path, pn, val, vn, out) < 0 || buf_append(out, close, n - at) < 0)
        return SPLICE_NOMEM;
    return SPLICE_OK;
}

/* Where the value goes: walk the path down through existing objects. Returns
 * SPLICE_OK with reach filled and *found 1 when the whole path exists (its
 * value is replaced) or 0 (the rest is inserted into reach->value), else
 * SPLICE_BLOCKED or SPLICE_MALFORMED. */
static enum splice_status find_place(const char *rec, size_t n, const char *path, size_t pn,
                                     struct jspan_reach *reach, int *found)
{
    struct jspan obj;
    if (!splice_path_valid(path, pn) || record_object(rec, n, &obj) < 0)
        return SPLICE_MALFORMED;
    *found = jspan_walk(&obj, path, pn, JSPAN_WALK_OBJECTS, reach);
    if (*found < 0)
        return SPLICE_MALFORMED;
    /* Stopped short at a value that is not an object: nothing can go in it. */
    if (!*found && reach->value.type != J_OBJECT)
        return SPLICE_BLOCKED;
    return SPLICE_OK;
}

int splice_blocked(const char *rec, size_t n, const char *path, size_t pn)
{
    struct jspan_reach reach;
    int found;
    enum splice_status st = find_place(rec, n, path, pn, &reach, &found);
    return st == SPLICE_OK ? 0 : st == SPLICE_BLOCKED ? 1 : -1;
}

enum splice_status splice_set(const char *rec, size_t n, const char *path, size_t pn,
                              const char *val, size_t vn, struct buf *out)
{
    struct jspan_reach reach;
    int found;
    enum splice_status st = find_place(rec, n, path, pn, &reach, &found);
    if (st != SPLICE_OK)
        return st;
    size_t entry = out->len;
    if (found)
        st = write_replace(rec, n, (size_t)(reach.value.p - rec), reach.value.n, val, vn, out);
    else
        st = write_insert(rec, n, &reach.value, reach.rest, reach.rest_n, val, vn, out);
    if (st != SPLICE_OK) {
        /* buf appends are atomic one by one; undo the pieces already written. */
        out->len = entry;
        if (out->data)
            out->data[entry] = '\0';
    }
    return st;
}

/* 1 if name[0..n) is printable ASCII that jspan_quote writes as it is. */
static int plain_name(const char *name, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)name[i];
        if (c < 0x20 || c > 0x7e || c == '"' || c == '\\')
            return 0;
    }
    return 1;
}

enum splice_status splice_set_valid(const char *rec, size_t n, const char *path, size_t pn,
                                    const char *val, size_t vn, struct buf *out)
{
    /* The common case: one component, a name needing no escapes, and a
     * record with no escapes at all, so that a member of that name would
     * show as the name's own text in quotes. When that text is nowhere, the
     * member is absent and goes in before the closing brace, as
     * write_insert puts it. Anything else takes the walk. */
    struct jspan obj;
    if (pn == 0 || memchr(path, '.', pn) || !plain_name(path, pn) ||
        record_object(rec, n, &obj) < 0 || memchr(obj.p, '\\', obj.n) ||
        jspan_find_quoted(obj.p, obj.p + obj.n, path, pn))
        return splice_set(rec, n, path, pn, val, vn, out);
    const char *close = obj.p + obj.n - 1;
    size_t comma = jspan_skip_ws(obj.p + 1, close) != close; /* not an empty object */
    size_t at = (size_t)(close - rec);
    /* rec up to the brace, `,"name":val`, the brace on: one reservation. */
    if (buf_reserve(out, n + comma + pn + 3 + vn) < 0)
        return SPLICE_NOMEM;
    char *w = out->data + out->len;
    memcpy(w, rec, at), w += at;
    if (comma)
        *w++ = ',';
    *w++ = '"';
    memcpy(w, path, pn), w += pn;
    *w++ = '"', *w++ = ':';
    if (vn)
        memcpy(w, val, vn), w += vn;
    memcpy(w, close, n - at), w += n - at;
    *w = '\0';
    out->len = (size_t)(w - out->data);
    return SPLICE_OK;
}

/* One member of a --merge result: where it goes in the record (found: it
 * replaces rec[at..at+cut)) or, when the record has no such member, its
 * name's text to append with it. */
struct merge_member {
    int found;
    size_t at, cut;
    struct jspan key, value;
    size_t order; /* its place in the result */
};

/* Replacements first, by their place in the record; then the appended
 * members in the result's order. */
static int by_place(const void *a, const void *b)
{
    const struct merge_member *x = a, *y = b;
    if (x->found != y->found)
        return x->found ? -1 : 1;
    if (x->found)
        return x->at < y->at ? -1 : x->at > y->at;
    return x->order < y->order ? -1 : x->order > y->order;
}

/* 1 if a member after the iterator's position has the decoded name[0..n): then the
 * member just read is not the one that counts. 0 if none, -1 malformed. */
static int named_later(struct jspan_iter it, const char *name, size_t n)
{
    struct jspan k, v;
    int r;
    while ((r = jspan_next_member(&it, &k, &v)) == 1)
        if (jspan_key_equals(&k, name, n))
            return 1;
    return r;
}

/* Fill m with the members of result that count and where each goes in the
 * record robj. Returns how many, or -1 malformed, -2 out of memory. */
static long merge_plan(const struct jspan *robj, const struct jspan *result, struct merge_member *m,
                       struct buf *name)
{
    struct jspan_iter it;
    struct jspan k, v;
    int r;
    size_t count = 0, order = 0;
    if (jspan_iter_begin(result, &it) < 0)
        return -1;
    while ((r = jspan_next_member(&it, &k, &v)) == 1) {
        buf_reset(name);
        if (jspan_string_decode(&k, name) < 0)
            return -2;
        const char *nm = name->data ? name->data : "";
        int later = named_later(it, nm, name->len);
        if (later < 0)
            return -1;
        if (later)
            continue;
        struct jspan rv;
        int found = jspan_member(robj, nm, name->len, NULL, &rv);
        if (found < 0)
            return -1;
        m[count] = (struct merge_member){found, 0, 0, k, v, order++};
        if (found) {
            m[count].at = (size_t)(rv.p - robj->p);
            m[count].cut = rv.n;
        }
        count++;
    }
    return r < 0 ? -1 : (long)count;
}

/* Write the record robj (within rec[0..n)) with the planned members. */
static int merge_write(const char *rec, size_t n, const struct jspan *robj,
                       const struct merge_member *m, size_t count, struct buf *out)
{
    const char *close = robj->p + robj->n - 1;
    int empty = jspan_skip_ws(robj->p + 1, close) == close;
    size_t pos = 0, base = (size_t)(robj->p - rec), i = 0;
    for (; i < count && m[i].found; i++) {
        size_t at = base + m[i].at;
        if (buf_append(out, rec + pos, at - pos) < 0 ||
            buf_append(out, m[i].value.p, m[i].value.n) < 0)
            return -1;
        pos = at + m[i].cut;
    }
    size_t at = (size_t)(close - rec);
    if (buf_append(out, rec + pos, at - pos) < 0)
        return -1;
    for (; i < count; i++, empty = 0)
        if ((!empty && buf_putc(out, ',') < 0) || buf_append(out, m[i].key.p, m[i].key.n) < 0 ||
            buf_putc(out, ':') < 0 || buf_append(out, m[i].value.p, m[i].value.n) < 0)
            return -1;
    return buf_append(out, close, n - at);
}

enum splice_status splice_merge(const char *rec, size_t n, const char *obj, size_t on,
                                struct buf *out)
{
    struct jspan robj, result;
    if (record_object(rec, n, &robj) < 0 || jspan_value(obj, obj + on, &result) < 0 ||
        result.type != J_OBJECT)
        return SPLICE_MALFORMED;
    /* A member takes at least `"":0` and a comma: 5 bytes bound the count. */
    size_t most = result.n / 5 + 1;
    struct merge_member *m = calloc(most, sizeof(*m));
    struct buf name;
    buf_init(&name, result.n + 1); /* a decoded name is never longer than its text */
    size_t entry = out->len;
    enum splice_status st = SPLICE_NOMEM;
    long count = m ? merge_plan(&robj, &result, m, &name) : -2;
    if (count == -1)
        st = SPLICE_MALFORMED;
    if (count >= 0) {
        qsort(m, (size_t)count, sizeof(*m), by_place);
        st = merge_write(rec, n, &robj, m, (size_t)count, out) < 0 ? SPLICE_NOMEM : SPLICE_OK;
    }
    if (st != SPLICE_OK) {
        out->len = entry;
        if (out->data)
            out->data[entry] = '\0';
    }
    buf_free(&name);
    free(m);
    return st;
}
