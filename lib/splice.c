/* Splicing a value into a record's text: find the member (or the closing
 * brace to insert before), then write the record in three pieces: the bytes
 * before, the new text, the bytes after. */
#include "splice.h"

#include <string.h>

#include "jsonspan.h"

/* A path is usable when it is not empty and no component is empty. */
static int path_valid(const char *path, size_t pn)
{
    if (pn == 0 || path[0] == '.' || path[pn - 1] == '.')
        return 0;
    for (size_t i = 1; i < pn; i++)
        if (path[i] == '.' && path[i - 1] == '.')
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
    const char *p = path, *end = path + pn;
    size_t opened = 0;
    for (;;) {
        const char *dot = memchr(p, '.', (size_t)(end - p));
        const char *comp_end = dot ? dot : end;
        if (jspan_quote(p, (size_t)(comp_end - p), out) < 0 || buf_putc(out, ':') < 0)
            return -1;
        if (!dot)
            break;
        if (buf_putc(out, '{') < 0)
            return -1;
        opened++;
        p = dot + 1;
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

/* Walk the path down through existing objects and write the result. */
static enum splice_status splice_walk(const char *rec, size_t n, struct jspan obj, const char *path,
                                      size_t pn, const char *val, size_t vn, struct buf *out)
{
    const char *comp = path, *end = path + pn;
    for (;;) {
        const char *dot = memchr(comp, '.', (size_t)(end - comp));
        const char *comp_end = dot ? dot : end;
        struct jspan value;
        int r = jspan_member(&obj, comp, (size_t)(comp_end - comp), NULL, &value);
        if (r < 0)
            return SPLICE_MALFORMED;
        if (r == 0)
            return write_insert(rec, n, &obj, comp, (size_t)(end - comp), val, vn, out);
        if (!dot)
            return write_replace(rec, n, (size_t)(value.p - rec), value.n, val, vn, out);
        if (value.type != J_OBJECT)
            return SPLICE_BLOCKED;
        obj = value;
        comp = dot + 1;
    }
}

enum splice_status splice_set(const char *rec, size_t n, const char *path, size_t pn,
                              const char *val, size_t vn, struct buf *out)
{
    struct jspan obj;
    if (!path_valid(path, pn) || record_object(rec, n, &obj) < 0)
        return SPLICE_MALFORMED;
    size_t entry = out->len;
    enum splice_status st = splice_walk(rec, n, obj, path, pn, val, vn, out);
    if (st != SPLICE_OK) {
        /* buf appends are atomic one by one; undo the pieces already written. */
        out->len = entry;
        if (out->data)
            out->data[entry] = '\0';
    }
    return st;
}
