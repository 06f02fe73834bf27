/* Unit tests for lib/render.c: a successful response shaped by --select,
 * --merge and --meta, and an http failure's body in its error object. */
#include "render.h"

#include <stdlib.h>
#include <string.h>

#include "tap.h"

static struct record rec;
static struct buf scratch, out;
static struct render_spec spec = {"response", "error", ENRICH_KEEP, 0, NULL, NULL, NULL, 0};

static void set_line(const char *line)
{
    buf_reset(&rec.line);
    buf_puts(&rec.line, line);
}

/* render_response for a 200 with body and type (NULL: none); returns the
 * line, or "FAIL <kind>: <message>" with *empty set. */
static const char *respond(const struct render_shape *shape, const char *body, const char *type,
                           int *empty)
{
    static char result[512];
    struct render_body b = {body, strlen(body), type, 200, 12.44, 0};
    struct failure f;
    memset(&f, 0, sizeof(f));
    if (render_response(&spec, shape, &rec, &b, &scratch, &out, &f, empty) == 1)
        return out.data;
    snprintf(result, sizeof(result), "FAIL %s %ld: %s", fail_kind_name(f.kind), f.status,
             f.message);
    return result;
}

static void test_select(void)
{
    struct render_shape sel = {"data.user", 0, NULL};
    int empty;
    set_line("{\"id\":1}");
    is_str(respond(&sel, "{\"data\": {\"user\": {\"n\": 12345678901234567890, \"f\": 1.000}}}",
                   "application/json", &empty),
           "{\"id\":1,\"response\":{\"n\":12345678901234567890,\"f\":1.000}}",
           "select: the value at the path, minified, numbers as written");
    ok(!empty, "select: a found object is not empty");
    struct render_shape idx = {"items.1", 0, NULL};
    is_str(respond(&idx, "{\"items\":[1,[]]}", NULL, &empty), "{\"id\":1,\"response\":[]}",
           "select: an array index, no Content-Type");
    ok(empty, "select: [] is empty");
    is_str(respond(&sel, "{\"data\":{}}", NULL, &empty),
           "FAIL bad_response 200: --select path 'data.user' is absent from the response",
           "select: absent");
    ok(empty, "select: an absent path counts as empty");
    is_str(respond(&sel, "", NULL, &empty),
           "FAIL bad_response 200: --select path 'data.user' is absent from the response",
           "select: an empty body has no path");
    is_str(respond(&sel, "{\"data\":1}", "text/plain", &empty),
           "FAIL bad_response 200: --select needs a JSON response, got Content-Type text/plain",
           "select: a text Content-Type");
    ok(!empty, "select: text is no empty result");
    is_str(respond(&sel, "hi", NULL, &empty),
           "FAIL bad_response 200: --select needs a JSON response, got text (error near byte 1)",
           "select: a body that is not JSON");
    struct render_shape nul = {"a", 0, NULL};
    is_str(respond(&nul, "{\"a\":null}", NULL, &empty), "{\"id\":1,\"response\":null}",
           "select: null is found");
    ok(empty, "select: null is empty");
}

static void test_merge(void)
{
    struct render_shape merge = {NULL, 1, NULL};
    int empty;
    set_line("{\"id\":1, \"a\" : 1.0}");
    is_str(respond(&merge, "{\"a\": 2, \"b\": 3}", NULL, &empty), "{\"id\":1, \"a\" : 2,\"b\":3}",
           "merge: replaced in place, appended");
    is_str(respond(&merge, "[1]", NULL, &empty),
           "FAIL bad_response 200: --merge needs an object result, got an array",
           "merge: an array");
    is_str(respond(&merge, "{\"a\":1}", "text/plain", &empty),
           "FAIL bad_response 200: --merge needs an object result, got a string",
           "merge: a text body is a string");
    is_str(respond(&merge, "", NULL, &empty),
           "FAIL bad_response 200: --merge needs an object result, got null",
           "merge: an empty body is null");
    ok(empty, "merge: null counts as empty");
    struct render_shape both = {"u", 1, NULL};
    is_str(respond(&both, "{\"u\":{\"a\":5}}", NULL, &empty), "{\"id\":1, \"a\" : 5}",
           "merge: with select, the selected object");
}

static void test_meta(void)
{
    struct render_shape meta = {NULL, 0, "m"};
    int empty;
    set_line("{\"id\":1}");
    rec.attempts = 3;
    is_str(respond(&meta, "1", NULL, &empty),
           "{\"id\":1,\"response\":1,\"m\":{\"status\":200,\"attempts\":3,\"ms\":12.4}}",
           "meta: status, attempts, ms with one decimal, after the result");
    struct render_shape merged = {NULL, 1, "x.y"};
    is_str(respond(&merged, "{\"x\":{}}", NULL, &empty),
           "{\"id\":1,\"x\":{\"y\":{\"status\":200,\"attempts\":3,\"ms\":12.4}}}",
           "meta: spliced after a merge");
    is_str(respond(&merged, "{\"x\":5}", NULL, &empty),
           "FAIL bad_response 200: cannot add --meta at 'x.y': a member on the way is not an "
           "object",
           "meta: blocked");
    rec.attempts = 1;
}

/* The error object of an http 503 with body and type; too_large as given. */
static const char *error_object(const char *body, size_t n, const char *type, int too_large)
{
    struct render_body b = {body, n, type, 503, 1, too_large};
    fail_set(&rec.fail, FAIL_HTTP, "HTTP 503");
    rec.fail.status = 503;
    buf_reset(&out);
    if (render_error_object(&rec, &b, &out) < 0)
        return "(out of memory)";
    return out.data;
}

#define HEAD "{\"kind\":\"http\",\"status\":503,\"message\":\"HTTP 503\",\"attempts\":1"

static void test_error_body(void)
{
    const char *json = "{\"e\": 1.50}";
    is_str(error_object(json, strlen(json), "application/json", 0), HEAD ",\"body\":{\"e\":1.50}}",
           "error body: JSON, minified, numbers kept");
    is_str(error_object(json, strlen(json), NULL, 0), HEAD ",\"body\":{\"e\":1.50}}",
           "error body: JSON without a Content-Type");
    is_str(error_object(json, strlen(json), "text/plain", 0),
           HEAD ",\"body\":\"{\\\"e\\\": 1.50}\"}", "error body: a text type is a string");
    is_str(error_object("{\"a\":", 5, "application/json", 0), HEAD ",\"body\":\"{\\\"a\\\":\"}",
           "error body: broken JSON under a JSON type is a string");
    is_str(error_object("", 0, NULL, 0), HEAD "}", "error body: empty adds nothing");
    buf_reset(&out);
    render_error_object(&rec, NULL, &out);
    is_str(out.data, HEAD "}", "error body: no response adds nothing");

    /* `,"body":""` around the text, `,"body_truncated":true` after it. */
    size_t head = strlen(HEAD) + 10, flag = 22;
    char *big = malloc(RENDER_ERROR_BODY_MAX + 10);
    memset(big, 'a', RENDER_ERROR_BODY_MAX + 10);
    const char *o = error_object(big, RENDER_ERROR_BODY_MAX, "text/plain", 0);
    ok(strstr(o, "body_truncated") == NULL && strlen(o) == head + 4096 + 1,
       "error body: exactly 4096 bytes is whole");
    o = error_object(big, RENDER_ERROR_BODY_MAX + 1, "text/plain", 0);
    ok(strlen(o) == head + 4096 + flag + 1 &&
           strcmp(o + strlen(o) - flag - 1, ",\"body_truncated\":true}") == 0,
       "error body: 4097 bytes cut to 4096 with body_truncated");
    o = error_object(big, 100, "text/plain", 1);
    ok(strstr(o, "\"body_truncated\":true}") != NULL, "error body: a body cut at the limit");
    /* "é" (C3 A9) straddling the cut: it is dropped whole. */
    big[RENDER_ERROR_BODY_MAX - 1] = '\xC3';
    big[RENDER_ERROR_BODY_MAX] = '\xA9';
    o = error_object(big, RENDER_ERROR_BODY_MAX + 5, "text/plain", 0);
    ok(strlen(o) == head + 4095 + flag + 1, "error body: no UTF-8 character split");
    free(big);

    fail_set(&rec.fail, FAIL_BAD_RESPONSE, "x");
    struct render_body b = {"{}", 2, NULL, 200, 1, 0};
    buf_reset(&out);
    render_error_object(&rec, &b, &out);
    ok(strstr(out.data, "\"body\"") == NULL, "error body: only for kind http");
}

int main(void)
{
    buf_init(&rec.line, 1 << 20);
    buf_init(&scratch, 1 << 20);
    buf_init(&out, 1 << 20);
    rec.attempts = 1;
    test_select();
    test_merge();
    test_meta();
    test_error_body();
    buf_free(&rec.line);
    buf_free(&scratch);
    buf_free(&out);
    return tap_done();
}
