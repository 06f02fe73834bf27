/* Requests from records: URL safety checks, header substitution, bodies. */
#include "request.h"

#include <stdlib.h>
#include <string.h>

#include "tap.h"

static struct request_spec *spec(const char *url, const char *h1, const char *h2, int allow)
{
    const char *headers[2] = {h1, h2};
    char err[512];
    size_t n = h2 ? 2 : h1 ? 1 : 0;
    struct request_spec *s =
        request_spec_new(url, headers, n, NULL, 0, allow, NULL, err, sizeof(err));
    if (!s)
        printf("# spec error: %s\n", err);
    return s;
}

static enum fail_kind build(struct request_spec *s, const char *rec, struct request *r)
{
    struct failure f = {0};
    return request_build(s, rec, strlen(rec), r, &f) == 0 ? FAIL_NONE : f.kind;
}

static void urls(void)
{
    struct request r;
    request_init(&r, 4096);
    struct request_spec *s = spec("http://h/users/{id}/orders", NULL, NULL, 0);
    ok(build(s, "{\"id\":42}", &r) == FAIL_NONE, "a plain id builds");
    is_str(r.url.data, "http://h/users/42/orders", "the URL is the expansion");
    ok(build(s, "{\"id\":\"..\"}", &r) == FAIL_BAD_REQUEST, "'..' as a value is refused");
    ok(build(s, "{\"id\":\".\"}", &r) == FAIL_BAD_REQUEST, "'.' as a value is refused");
    ok(build(s, "{\"id\":\"...\"}", &r) == FAIL_NONE, "'...' is an ordinary segment");
    ok(build(s, "{}", &r) == FAIL_MISSING_FIELD, "a missing id fails as missing_field");
    request_spec_free(s);

    s = spec("http://h/{+p}", NULL, NULL, 0);
    ok(build(s, "{\"p\":\"a/../b\"}", &r) == FAIL_BAD_REQUEST, "{+p} with a/../b is refused");
    ok(build(s, "{\"p\":\"a/%2e%2E/b\"}", &r) == FAIL_BAD_REQUEST, "%%2e%%2E is a dot segment too");
    ok(build(s, "{\"p\":\"a/b?x=..\"}", &r) == FAIL_NONE, "dots in the query are fine");
    request_spec_free(s);

    s = spec("http://h/static/../{id}", NULL, NULL, 0);
    ok(build(s, "{\"id\":1}", &r) == FAIL_NONE, "the template's own '..' is allowed");
    request_spec_free(s);

    s = spec("{+base}/x", NULL, NULL, 0);
    ok(build(s, "{\"base\":\"ftp://h\"}", &r) == FAIL_BAD_REQUEST,
       "an ftp URL from a record is refused");
    ok(build(s, "{\"base\":\"HTTPS://h\"}", &r) == FAIL_NONE, "the scheme is case-insensitive");
    request_spec_free(s);

    ok(spec("ftp://h/{id}", NULL, NULL, 0) == NULL, "an ftp template is a usage error");
    ok(spec("http://h/{id", NULL, NULL, 0) == NULL, "an unclosed brace is a usage error");
    ok(spec("http://h/", "NoColon", NULL, 0) == NULL, "a header without a colon is refused");
    ok(spec("http://h/", "Bad Name: x", NULL, 0) == NULL, "a header name with a space is refused");
    ok(request_dot_segments("http://h/a/./b/../c", 19) == 2, "two dot segments counted");
    ok(request_dot_segments("/a/.b/c.", 8) == 0, "dots inside names are not segments");
    request_free(&r);
}

/* A spec that compiles, freed at once. */
static int compiles(const char *url, int allow)
{
    struct request_spec *s = spec(url, NULL, NULL, allow);
    int compiled = s != NULL;
    request_spec_free(s);
    return compiled;
}

static void literal_authority(void)
{
    static const char *const refused[] = {
        "http://127.0.0.1:99999/{id}",
        "http://h:65536/{id}",
        "http://h:0/{id}",
        "https://h:1x/{id}",
        "http://h:-1#{id}",
        "http://[::1]:99999{?id}",
        "http://u:p@h:99999/{id}",
        "http://h:99999{/id}",
        "http://h:99999",
        "http:///{id}",
        "http://[::1/{id}",
        "http://a@b@c/{id}",
    };
    for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
        ok(!compiles(refused[i], 0), "'%s' is a usage error", refused[i]);
    static const char *const fine[] = {
        "http://h:1/{id}",
        "http://h:65535/{id}",
        "http://[::1]:8080/{id}",
        "http://u:p@h:80/{id}",
        "http://h:/{id}",
        "http://h:00080/{id}",
        "http://b\xc3\xbc"
        "cher.de/",
        "http://{h}:99999/x",
        "http://h:9{id}/x",
        "{+base}:99999/x",
    };
    for (size_t i = 0; i < sizeof(fine) / sizeof(fine[0]); i++)
        ok(compiles(fine[i], 0), "'%s' compiles", fine[i]);
    ok(compiles("http://h:6{/x}5535/", 0), "{/x} ends the authority: port 6");
    ok(!compiles("http://h:99999{/x}/", 1), "with allow-missing, {/x} then '/' still ends it");
    ok(compiles("http://h:6{/x}5535/", 1), "with allow-missing, {/x} may be empty: not checked");

    char err[512];
    ok(request_spec_new("http://u:secret@h:99999/", NULL, 0, NULL, 0, 0, NULL, err, sizeof(err)) ==
               NULL &&
           strstr(err, "port must be a number from 1 to 65535") && !strstr(err, "secret"),
       "the message names the port and hides the password (%s)", err);
}

static void headers(void)
{
    struct request r;
    request_init(&r, 4096);
    struct request_spec *s = spec("http://h/", "X-User: {user.id}", "Accept: text/plain", 0);
    size_t n;
    ok(request_spec_static_headers(s, &n) == NULL, "a templated header is not static");
    ok(build(s, "{\"user\":{\"id\":\"a b\"}}", &r) == FAIL_NONE && r.nheaders == 2, "two headers");
    is_str(r.headers[0], "X-User: a b", "the raw value is substituted");
    is_str(r.headers[1], "Accept: text/plain", "the fixed header follows");
    ok(build(s, "{\"user\":{\"id\":\"a\\r\\nX-Evil: 1\"}}", &r) == FAIL_BAD_REQUEST,
       "CR LF in a value is refused");
    ok(build(s, "{\"user\":{\"id\":\"a\\u0000b\"}}", &r) == FAIL_BAD_REQUEST, "NUL is refused");
    ok(build(s, "{\"user\":{}}", &r) == FAIL_MISSING_FIELD, "a missing value fails");
    ok(build(s, "{\"user\":{\"id\":\"\"}}", &r) == FAIL_NONE, "an empty value builds");
    is_str(r.headers[0], "X-User;", "and is sent as an empty header");
    request_spec_free(s);

    s = spec("http://h/", "X-User: {id}", NULL, 1);
    ok(build(s, "{}", &r) == FAIL_NONE && r.nheaders == 0, "--allow-missing drops the header");
    request_spec_free(s);

    s = spec("http://h/", "Authorization: Bearer t", NULL, 0);
    const char *const *lines = request_spec_static_headers(s, &n);
    ok(lines && n == 1, "a fixed header is static");
    is_str(lines ? lines[0] : NULL, "Authorization: Bearer t", "as written");
    request_spec_free(s);
    request_free(&r);
}

static struct request_spec *body_spec(const char *body, int is_record, const char *h1, int allow)
{
    const char *headers[1] = {h1};
    char err[512];
    struct request_spec *s = request_spec_new("http://h/", headers, h1 ? 1 : 0, body, is_record,
                                              allow, NULL, err, sizeof(err));
    if (!s)
        printf("# spec error: %s\n", err);
    return s;
}

/* The body built for rec, as a string ("(none)" without one, "(failed)" on failure). */
static const char *body_of(struct request_spec *s, const char *rec, struct request *r)
{
    if (build(s, rec, r) != FAIL_NONE)
        return "(failed)";
    if (!r->body)
        return "(none)";
    static char text[1024];
    snprintf(text, sizeof(text), "%.*s", (int)r->body_len, r->body);
    return text;
}

static const char *only_header(struct request_spec *s)
{
    size_t n;
    const char *const *lines = request_spec_static_headers(s, &n);
    return lines && n == 1 ? lines[0] : "(not one static header)";
}

static void bodies(void)
{
    struct request r;
    request_init(&r, 4096);
    struct request_spec *s = body_spec(NULL, 0, NULL, 0);
    is_str(body_of(s, "{\"a\":1}", &r), "(none)", "no -d: no body");
    ok(!request_spec_body_is_json(s), "and no JSON body");
    request_spec_free(s);

    s = body_spec("{\"id\": \"{id}\", \"f\":\"{f}\", \"o\":\"{o}\", \"s\":\"{s}\", \"n\":\"{n}\"}",
                  0, NULL, 0);
    is_str(body_of(s,
                   "{\"id\":12345678901234567890123,\"f\":1.000,\"o\":{\"a\": [1, 2]},"
                   "\"s\":\"q\\\"\\u00e9\",\"n\":null}",
                   &r),
           "{\"id\": 12345678901234567890123, \"f\":1.000, \"o\":{\"a\": [1, 2]}, "
           "\"s\":\"q\\\"\\u00e9\", \"n\":null}",
           "a JSON template puts each exact \"{path}\" value's own text in");
    ok(request_spec_body_is_json(s), "a JSON template makes a JSON body");
    is_str(only_header(s), "Content-Type: application/json", "which says so");
    is_str(body_of(s, "{\"id\":1,\"f\":2,\"o\":3,\"s\":4}", &r), "(failed)",
           "an absent path fails");
    ok(build(s, "{\"id\":1}", &r) == FAIL_MISSING_FIELD, "as missing_field");
    request_spec_free(s);

    s = body_spec("{\"msg\":\"hi {name}, #{id} \\u007bx}\",\"{k}\":\"{k}\"}", 0, NULL, 0);
    is_str(body_of(s, "{\"name\":\"a\\\"b\\n\\u00e9\",\"id\":7,\"k\":\"key\"}", &r),
           "{\"msg\":\"hi a\\\"b\\n\u00e9, #7 \\u007bx}\",\"key\":\"key\"}",
           "{path} inside a string, or as a key, is text, JSON-escaped; \\u007b is a brace");
    request_spec_free(s);

    s = body_spec("{\"x\":\"{x}\",\"t\":\"<{x}>\"}", 0, NULL, 1);
    is_str(body_of(s, "{}", &r), "{\"x\":null,\"t\":\"<>\"}",
           "--allow-missing: an absent exact value is null, absent text is nothing");
    request_spec_free(s);

    s = body_spec("id={id}&o={o} {s}", 0, NULL, 0);
    is_str(body_of(s, "{\"id\":1.50,\"o\":{\"a\": 1},\"s\":\"a\\\"b\"}", &r),
           "id=1.50&o={\"a\":1} a\"b", "a text template substitutes raw text");
    ok(!request_spec_body_is_json(s), "a text body is not JSON");
    is_str(only_header(s), "Content-Type: text/plain; charset=utf-8", "and is labelled text");
    request_spec_free(s);

    s = body_spec(NULL, 1, NULL, 0);
    const char *rec = "{\"b\":1, \"a\" : \"x  y\"}";
    is_str(body_of(s, rec, &r), rec, "--data-record sends the record byte for byte");
    ok(r.body == rec, "borrowing it, not copying");
    ok(request_spec_body_is_json(s), "as JSON");
    request_spec_free(s);

    s = body_spec("{\"a\":\"{a}\"}", 0, "content-TYPE: application/x-ndjson", 0);
    is_str(only_header(s), "content-TYPE: application/x-ndjson",
           "a Content-Type header of the user's replaces the default");
    request_spec_free(s);

    ok(body_spec("{\"a\":\"{a\"}", 0, NULL, 0) == NULL, "an unclosed '{' in a string is refused");
    ok(body_spec("{\"a\":\"{a b}\"}", 0, NULL, 0) == NULL, "a bad name in a string is refused");
    ok(body_spec("x={a b}", 0, NULL, 0) == NULL, "a bad name in a text template is refused");
    request_free(&r);
}

/* A URL is checked once at start when its scheme://authority is literal:
 * then no record's URL is checked again. */
static void checked_once(void)
{
    static const struct {
        const char *url;
        int allow, checked;
    } cases[] = {
        {"http://h/users/{id}", 0, 1}, {"http://h:8080{/id}", 0, 1},
        {"http://h{?id}", 0, 1},       {"https://u:p@h/{+path}", 0, 1},
        {"http://{host}/x", 0, 0},     {"http://h:9{id}/x", 0, 0},
        {"{+base}/x", 0, 0},           {"http://h:6{/x}5535/", 1, 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct request_spec *s = spec(cases[i].url, NULL, NULL, cases[i].allow);
        ok(s && request_spec_url_checked(s) == cases[i].checked, "'%s' %s", cases[i].url,
           cases[i].checked ? "is checked once, at start" : "is checked for each record");
        request_spec_free(s);
    }
}

/* request_dot_segments as it was before its memchr shortcut: every segment
 * of the path looked at. The shortcut must always agree with it. */
static int ref_is_dot_segment(const char *p, size_t n)
{
    size_t dots = 0;
    for (size_t i = 0; i < n;) {
        if (p[i] == '.')
            i++;
        else if (p[i] == '%' && i + 2 < n && p[i + 1] == '2' && (p[i + 2] | 0x20) == 'e')
            i += 3;
        else
            return 0;
        dots++;
    }
    return dots == 1 || dots == 2;
}

static size_t ref_dot_segments(const char *url, size_t n)
{
    const char *end = url + n, *p = url;
    const char *scheme = memmem(url, n, "://", 3);
    if (scheme) {
        p = scheme + 3;
        while (p < end && *p != '/' && *p != '?' && *p != '#')
            p++;
    }
    size_t count = 0;
    while (p < end && *p != '?' && *p != '#') {
        if (*p == '/') {
            p++;
            continue;
        }
        const char *seg = p;
        while (p < end && *p != '/' && *p != '?' && *p != '#')
            p++;
        count += ref_is_dot_segment(seg, (size_t)(p - seg));
    }
    return count;
}

static void dot_segments(void)
{
    static const struct {
        const char *url;
        size_t want;
    } cases[] = {
        {"http://127.0.0.1:8080/users/123", 0},
        {"http://api.example.com/users/123", 0},
        {"http://h/a/./b/../c", 2},
        {"http://h/a/.b/c./d..e", 0},
        {"http://h/a/%2e/%2E%2e/b", 2},
        {"http://h/a/%2f/%20x", 0},
        {"http://h/a/%2", 0},
        {"http://h/a/%2e", 1},
        {"http://h/a?x=/../..", 0},
        {"http://h/a#/../..", 0},
        {"http://h/a/..?x=.", 1},
        {"http://h/..#?", 1},
        {"http://h.example/", 0},
        {"http://h.example", 0},
        {"http://h:80?/..", 0},
        {"/a/../b", 1},
        {"a/./b", 1},
        {"..", 1},
        {"", 0},
        {"/a?x=http://h/../b", 1}, /* no scheme first: the first "://" starts the path */
        {"x?://h/../y", 1},
        {"http://h/%2e%2e%2e", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t n = strlen(cases[i].url);
        char *u = malloc(n ? n : 1); /* exact size, no NUL: ASan sees a read past it */
        memcpy(u, cases[i].url, n);
        size_t got = request_dot_segments(u, n);
        ok(got == cases[i].want && got == ref_dot_segments(u, n), "dot segments of '%s': %zu",
           cases[i].url, cases[i].want);
        free(u);
    }
    /* Every URL of up to 5 symbols from the bytes that matter, then longer
     * ones drawn at random (a fixed seed). */
    static const char *const sym[] = {"/", ".", "%2e", "%2E", "%2", "?", "#", ":", "://", "h", "%"};
    size_t nsym = sizeof sym / sizeof sym[0], checked = 0, wrong = 0;
    unsigned long seed = 1;
    for (size_t len = 0; len <= 20; len++) {
        size_t total = 1;
        for (size_t k = 0; k < len && len <= 5; k++)
            total *= nsym;
        if (len > 5)
            total = 20000;
        for (size_t code = 0; code < total; code++) {
            char url[128];
            size_t n = 0;
            for (size_t k = 0, c = code; k < len; k++) {
                size_t pick = len <= 5 ? c % nsym : (seed = seed * 6364136223846793005UL + 1) >> 33;
                const char *sy = sym[pick % nsym];
                c /= nsym;
                memcpy(url + n, sy, strlen(sy));
                n += strlen(sy);
            }
            checked++;
            if (request_dot_segments(url, n) != ref_dot_segments(url, n) && wrong++ < 5)
                printf("# differs on '%.*s'\n", (int)n, url);
        }
    }
    ok(wrong == 0, "the shortcut agrees with every segment looked at, on %zu URLs", checked);
}

int main(void)
{
    urls();
    literal_authority();
    checked_once();
    headers();
    bodies();
    dot_segments();
    return tap_done();
}
