/* The lines a record can leave as; see render.h. */
#include "render.h"

#include <string.h>

#include "jsonspan.h"
#include "jsonvalid.h"
#include "splice.h"

int render_error_object(const struct record *r, struct buf *out)
{
    const struct failure *f = &r->fail;
    if (buf_printf(out, "{\"kind\":\"%s\"", fail_kind_name(f->kind)) < 0)
        return -1;
    if (f->status > 0 && buf_printf(out, ",\"status\":%ld", f->status) < 0)
        return -1;
    if (buf_puts(out, ",\"message\":") < 0 || jspan_quote(f->message, strlen(f->message), out) < 0)
        return -1;
    return buf_printf(out, ",\"attempts\":%d}", r->attempts);
}

int render_failed(const struct render_spec *s, const struct record *r, struct buf *scratch,
                  struct buf *out)
{
    buf_reset(out);
    buf_reset(scratch);
    if (render_error_object(r, scratch) < 0)
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
    enum splice_status st = splice_set(r->line.data, r->line.len, s->error_into,
                                       strlen(s->error_into), scratch->data, scratch->len, out);
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
             request_redact_url(r->req.url.data, scratch) == 0 &&
             jspan_quote(scratch->data, scratch->len, out) == 0 &&
             buf_puts(out, ",\"headers\":[") == 0;
    size_t n;
    const char *const *lines = request_spec_static_headers(s->request, &n);
    if (!lines)
        lines = r->req.headers, n = r->req.nheaders;
    for (size_t i = 0; ok && i < n; i++) {
        buf_reset(scratch);
        ok = (i == 0 || buf_putc(out, ',') == 0) && request_redact_header(lines[i], scratch) == 0 &&
             jspan_quote(scratch->data, scratch->len, out) == 0;
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

int render_response(const struct render_spec *s, const struct record *r,
                    const struct render_body *body, struct buf *scratch, struct buf *out,
                    struct failure *f, int *empty)
{
    *empty = 0;
    char why[64];
    buf_reset(scratch);
    int rc = json_response_value_typed(body->p, body->n, json_content_kind(body->content_type),
                                       scratch, why, sizeof(why));
    if (rc == -2) {
        fail_set(f, FAIL_BAD_RESPONSE,
                 "response body is not valid JSON (%s), though its Content-Type says JSON", why);
        f->status = body->status;
        return 0;
    }
    if (rc < 0) {
        fail_set(f, FAIL_BAD_RESPONSE, "response too large to insert");
        return 0;
    }
    *empty = empty_value(scratch->data, scratch->len);
    buf_reset(out);
    enum splice_status st = splice_set(r->line.data, r->line.len, s->into, strlen(s->into),
                                       scratch->data, scratch->len, out);
    if (st != SPLICE_OK) {
        fail_set(f, FAIL_BAD_RESPONSE, "cannot insert the response at '%s'", s->into);
        return 0;
    }
    return 1;
}
