/* Splicing a value into a record's text: find the member (or the closing
 * brace to insert before), then write the record in three pieces: the bytes
 * before, the new text, the bytes after. */
#include "splice.h"

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
