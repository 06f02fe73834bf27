/* The lines a record can leave as; see render.h. */
#include "render.h"

#include <stdio.h>
#include <string.h>

#include "jsonspan.h"
#include "jsonvalid.h"
#include "splice.h"

/* How many of body's first max bytes to keep so that no UTF-8 character
 * is cut: back up over continuation bytes to the start of the one cut. */
static size_t utf8_cut(const char *p, size_t n, size_t max)
{
    if (n <= max)
        return n;
    size_t k = max;
    while (k > 0 && max - k < 3 && ((unsigned char)p[k] & 0xC0) == 0x80)
        k--;
    return ((unsigned char)p[k] & 0xC0) == 0x80 ? max : k;
}

/* The members an http failure's body adds to its error object. */
static int error_body(const struct render_body *b, struct buf *out)
{
    if (!b || b->n == 0)
        return 0;
    if (buf_puts(out, ",\"body\":") < 0)
        return -1;
    if (b->too_large || b->n > RENDER_ERROR_BODY_MAX) {
        /* Cut JSON is no longer JSON: the first bytes go in as text. */
        size_t n = utf8_cut(b->p, b->n, RENDER_ERROR_BODY_MAX);
        if (jspan_quote(b->p, n, out) < 0)
            return -1;
        return buf_puts(out, ",\"body_truncated\":true");
    }
    char why[64];
    int rc = json_response_value_typed(b->p, b->n, json_content_kind(b->content_type), out, why,
                                       sizeof(why));
    /* Said to be JSON and is not: what the server said, as text. */
    if (rc == -2)
        rc = jspan_quote(b->p, b->n, out);
    return rc;
}

int render_error_object(const struct record *r, const struct render_body *body, struct buf *out)
{
    const struct failure *f = &r->fail;
    if (buf_printf(out, "{\"kind\":\"%s\"", fail_kind_name(f->kind)) < 0)
        return -1;
    if (f->status > 0 && buf_printf(out, ",\"status\":%ld", f->status) < 0)
        return -1;
    if (buf_puts(out, ",\"message\":") < 0 || jspan_quote(f->message, strlen(f->message), out) < 0)
        return -1;
    if (buf_printf(out, ",\"attempts\":%d", r->attempts) < 0)
        return -1;
    if (f->kind == FAIL_HTTP && error_body(body, out) < 0)
        return -1;
    return buf_putc(out, '}');
}

int render_failed(const struct render_spec *s, const struct record *r,
                  const struct render_body *body, struct buf *scratch, struct buf *out)
{
    buf_reset(out);
    buf_reset(scratch);
    if (render_error_object(r, body, scratch) < 0)
        return -1;
    if (s->dry_run) {
        if (buf_printf(out, "{\"line\":%lu,\"error\":", r->lineno) < 0 ||
            buf_append(out, scratch->data, scratch->len) < 0 || buf_putc(out, '}') < 0)
            return -1;
        return 1;
    }
    if (s->on_error != ENRICH_KEEP || r->fail.kind == FAIL_INVALID_JSON ||
        r->fail.kind == FAIL_NOT_OBJECT)
        return 0;
    enum splice_status st =
        splice_set_valid(r->line.data, r->line.len, s->error_into, strlen(s->error_into),
                         scratch->data, scratch->len, out);
    /* Blocked only when the record failed on that very path: already said. */
    return st == SPLICE_OK;
}

int render_dry_run(const struct render_spec *s, const struct record *r, struct buf *scratch,
                   struct buf *out)
{
    buf_reset(out);
    buf_reset(scratch);
    const char *method = s->method ? s->method : r->req.body ? "POST" : "GET";
    int ok = buf_printf(out, "{\"line\":%lu,\"method\":", r->lineno) == 0 &&
             jspan_quote(method, strlen(method), out) == 0 && buf_puts(out, ",\"url\":") == 0 &&
             redact_url(s->redact, r->req.url.data, scratch) == 0 &&
             jspan_quote(scratch->data, scratch->len, out) == 0 &&
             buf_puts(out, ",\"headers\":[") == 0;
    int first = 1;
    if (ok && s->authorization) {
        ok = buf_puts(out, "\"Authorization: " REDACT_MARK "\"") == 0;
        first = 0;
    }
    size_t n;
    const char *const *lines = request_spec_static_headers(s->request, &n);
    if (!lines)
        lines = r->req.headers, n = r->req.nheaders;
    for (size_t i = 0; ok && i < n; i++) {
        buf_reset(scratch);
        ok = (first || buf_putc(out, ',') == 0) &&
             redact_header(s->redact, lines[i], scratch) == 0 &&
             jspan_quote(scratch->data, scratch->len, out) == 0;
        first = 0;
    }
    /* A JSON body is shown as the value itself (minified: a template may
     * span lines), any other as a string. Secrets in it are not redacted. */
    ok = ok && buf_puts(out, "],\"body\":") == 0;
    if (ok && !r->req.body)
        ok = buf_puts(out, "null") == 0;
    else if (ok && request_spec_body_is_json(s->request))
        ok = jspan_minify(r->req.body, r->req.body_len, out) == 0;
    else if (ok)
        ok = jspan_quote(r->req.body, r->req.body_len, out) == 0;
    ok = ok && buf_putc(out, '}') == 0;
    return ok ? 1 : -1;
}

/* Is the JSON text v[0..n) (minified) an empty result? */
static int empty_value(const char *v, size_t n)
{
    return (n == 4 && memcmp(v, "null", 4) == 0) ||
           (n == 2 &&
            (memcmp(v, "\"\"", 2) == 0 || memcmp(v, "[]", 2) == 0 || memcmp(v, "{}", 2) == 0));
}

static const char *type_name(enum jtype t)
{
    static const char *const names[] = {"nothing",  "null",     "false",    "true",
                                        "a number", "a string", "an array", "an object"};
    return names[t];
}

/* The body as JSON text (borrowed from the body when it is minified JSON,
 * else made in scratch), and val set to the part of it that is the result
 * (all of it without --select). Returns 1, or 0 with f filled
 * (and *empty set for an absent --select path). */
static int result_value(const struct render_shape *shape, const struct render_body *body,
                        struct buf *scratch, struct jspan *val, struct failure *f, int *empty)
{
    char why[64];
    enum json_content kind = json_content_kind(body->content_type);
    if (shape->select && kind == JSON_CONTENT_OTHER) {
        fail_set(f, FAIL_BAD_RESPONSE, "--select needs a JSON response, got Content-Type %.160s",
                 body->content_type);
        f->status = body->status;
        return 0;
    }
    /* --select reads into the body: without a Content-Type it must be JSON. */
    enum json_content as = shape->select ? JSON_CONTENT_JSON : kind;
    buf_reset(scratch);
    int rc = json_response_span(body->p, body->n, as, scratch, val, why, sizeof(why));
    if (rc == -1) {
        fail_set(f, FAIL_BAD_RESPONSE, "response too large to insert");
        return 0;
    }
    if (rc == -2 && kind == JSON_CONTENT_NONE)
        fail_set(f, FAIL_BAD_RESPONSE, "--select needs a JSON response, got text (%s)", why);
    else if (rc == -2)
        fail_set(f, FAIL_BAD_RESPONSE,
                 "response body is not valid JSON (%s), though its Content-Type says JSON", why);
    else if (!shape->select)
        return 1;
    else {
        struct jspan root = *val;
        if (jspan_path(&root, shape->select, strlen(shape->select), val) == 1)
            return 1;
        fail_set(f, FAIL_BAD_RESPONSE, "--select path '%.160s' is absent from the response",
                 shape->select);
        *empty = 1;
    }
    f->status = body->status;
    return 0;
}

/* Set {"status":..,"attempts":..,"ms":..} at shape->meta in the line in
 * out (scratch is work space). Returns 1, or 0 with f filled. */
static int add_meta(const struct render_shape *shape, const struct record *r,
                    const struct render_body *body, struct buf *scratch, struct buf *out,
                    struct failure *f)
{
    char meta[128];
    int n = snprintf(meta, sizeof(meta), "{\"status\":%ld,\"attempts\":%d,\"ms\":%.1f}",
                     body->status, r->attempts, body->ms > 0 ? body->ms : 0.0);
    buf_reset(scratch);
    enum splice_status st = splice_set_valid(out->data, out->len, shape->meta, strlen(shape->meta),
                                             meta, (size_t)n, scratch);
    if (st == SPLICE_OK) {
        buf_reset(out);
        if (buf_append(out, scratch->data, scratch->len) == 0)
            return 1;
    }
    if (st == SPLICE_BLOCKED)
        fail_set(f, FAIL_BAD_RESPONSE,
                 "cannot add --meta at '%.160s': a member on the way is not an object",
                 shape->meta);
    else
        fail_set(f, FAIL_BAD_RESPONSE, "response too large to insert");
    f->status = body->status;
    return 0;
}

int render_response(const struct render_spec *s, const struct render_shape *shape,
                    const struct record *r, const struct render_body *body, struct buf *scratch,
                    struct buf *out, struct failure *f, int *empty)
{
    *empty = 0;
    struct jspan val;
    if (!result_value(shape, body, scratch, &val, f, empty))
        return 0;
    *empty = empty_value(val.p, val.n);
    buf_reset(out);
    enum splice_status st;
    if (shape->merge) {
        if (val.type != J_OBJECT) {
            fail_set(f, FAIL_BAD_RESPONSE, "--merge needs an object result, got %s",
                     type_name(val.type));
            f->status = body->status;
            return 0;
        }
        st = splice_merge(r->line.data, r->line.len, val.p, val.n, out);
    } else
        st = splice_set_valid(r->line.data, r->line.len, s->into, strlen(s->into), val.p, val.n,
                              out);
    if (st != SPLICE_OK) {
        fail_set(f, FAIL_BAD_RESPONSE, "cannot insert the response at '%s'",
                 shape->merge ? "the top level" : s->into);
        return 0;
    }
    return shape->meta ? add_meta(shape, r, body, scratch, out, f) : 1;
}
