/* Unit tests for lib/splice.c. Record, path and value are copied into
 * exact-size heap buffers with no NUL, so ASan catches reads past them. */
#include "splice.h"

#include <stdlib.h>
#include <string.h>

#include "jsonvalid.h"
#include "tap.h"

#define PREFIX "PRE|"

static char *heap_copy(const char *s, size_t n)
{
    char *p = malloc(n ? n : 1);
    if (!p) {
        perror("malloc");
        exit(2);
    }
    memcpy(p, s, n);
    return p;
}

static const char *status_name(enum splice_status st)
{
    switch (st) {
    case SPLICE_OK: return "OK";
    case SPLICE_BLOCKED: return "BLOCKED";
    case SPLICE_NOMEM: return "NOMEM";
    case SPLICE_MALFORMED: return "MALFORMED";
    }
    return "(unknown status)";
}

/* Splice into out, which already holds PREFIX. Returns what was appended, or
 * the status name on failure after checking out was left at PREFIX. */
static const char *set(struct buf *out, const char *rec, const char *path, const char *val)
{
    size_t n = strlen(rec), pn = strlen(path), vn = strlen(val);
    char *r = heap_copy(rec, n), *p = heap_copy(path, pn), *v = heap_copy(val, vn);
    buf_reset(out);
    buf_puts(out, PREFIX);
    enum splice_status st = splice_set(r, n, p, pn, v, vn, out);
    /* A valid record: splice_set_valid must write the same, byte for byte. */
    enum jtype type;
    size_t at;
    if (json_validate(r, n, &type, &at) == 0 && type == J_OBJECT) {
        struct buf fast;
        buf_init(&fast, out->max);
        buf_puts(&fast, PREFIX);
        enum splice_status fst = splice_set_valid(r, n, p, pn, v, vn, &fast);
        ok(fst == st && fast.len == out->len && memcmp(fast.data, out->data, out->len) == 0,
           "  %s at %s: splice_set_valid agrees", rec, path);
        buf_free(&fast);
    }
    free(r);
    free(p);
    free(v);
    if (out->len < 4 || memcmp(out->data, PREFIX, 4) != 0)
        return "(prefix clobbered)";
    if (st != SPLICE_OK)
        return out->len == 4 ? status_name(st) : "(out not restored)";
    return out->data + 4;
}

static void test_append(struct buf *b)
{
    is_str(set(b, "{}", "a", "1"), "{\"a\":1}", "append: to {}");
    is_str(set(b, "{ }", "a", "1"), "{ \"a\":1}", "append: to { } keeps the space");
    is_str(set(b, "{\"a\":1}", "b", "2"), "{\"a\":1,\"b\":2}", "append: after a member");
    is_str(set(b, "{\"a\":1 }", "b", "2"), "{\"a\":1 ,\"b\":2}", "append: before the brace");
    is_str(set(b, " \t{\"a\":1}\r\n", "b", "2"), " \t{\"a\":1,\"b\":2}\r\n",
           "append: whitespace around the record kept");
    is_str(set(b, "{\"big\":12345678901234567890123,\"f\":1.000,\"s\":\"\\u00e9\",\"d\":1,\"d\":2}",
               "r", "{\"ok\":true,\"n\":1.50}"),
           "{\"big\":12345678901234567890123,\"f\":1.000,\"s\":\"\\u00e9\",\"d\":1,\"d\":2,"
           "\"r\":{\"ok\":true,\"n\":1.50}}",
           "append: numbers, escapes and duplicates elsewhere untouched");
    is_str(set(b, "{\"a\":1}", "\xc3\xa9", "\"\\ud83d\\ude00\""),
           "{\"a\":1,\"\xc3\xa9\":\"\\ud83d\\ude00\"}", "append: UTF-8 name raw, value as given");
}

static void test_replace(struct buf *b)
{
    is_str(set(b, "{ \"a\" :  1 , \"b\":2 }", "a", "\"x\""), "{ \"a\" :  \"x\" , \"b\":2 }",
           "replace: odd whitespace kept, only the value changes");
    is_str(set(b, "{\"a\":1,\"b\":2,\"a\":3}", "a", "9"), "{\"a\":1,\"b\":2,\"a\":9}",
           "replace: the last duplicate");
    is_str(set(b, "{\"r\":{\"old\":[1,\"}\"]},\"z\":1.000}", "r", "5"), "{\"r\":5,\"z\":1.000}",
           "replace: a whole nested value");
    is_str(set(b, "{\"user\\u002did\":1}", "user-id", "2"), "{\"user\\u002did\":2}",
           "replace: key matched after decoding, its escape kept");
    is_str(set(b, "{\"a\":1}", "a", "{}"), "{\"a\":{}}", "replace: with an object");
}

static void test_nested(struct buf *b)
{
    is_str(set(b, "{\"a\":1}", "x.y.z", "true"), "{\"a\":1,\"x\":{\"y\":{\"z\":true}}}",
           "nested: x.y.z created");
    is_str(set(b, "{}", "x.y", "1"), "{\"x\":{\"y\":1}}", "nested: created in {}");
    is_str(set(b, "{\"x\":{\"k\":1},\"a\":2}", "x.y", "3"), "{\"x\":{\"k\":1,\"y\":3},\"a\":2}",
           "nested: into an existing object");
    is_str(set(b, "{\"x\":{ }}", "x.y.z", "1"), "{\"x\":{ \"y\":{\"z\":1}}}",
           "nested: into an existing empty object");
    is_str(set(b, "{\"x\":{\"y\":1},\"y\":0}", "x.y", "2"), "{\"x\":{\"y\":2},\"y\":0}",
           "nested: replace inside, same name outside untouched");
    is_str(set(b, "{\"x\":{\"a\":1},\"x\":{\"b\":2}}", "x.c", "3"),
           "{\"x\":{\"a\":1},\"x\":{\"b\":2,\"c\":3}}", "nested: through the last duplicate");
}

static void test_blocked(struct buf *b)
{
    is_str(set(b, "{\"x\":1}", "x.y", "1"), "BLOCKED", "blocked: intermediate number");
    is_str(set(b, "{\"x\":[{}]}", "x.y", "1"), "BLOCKED", "blocked: intermediate array");
    is_str(set(b, "{\"x\":\"s\"}", "x.y", "1"), "BLOCKED", "blocked: intermediate string");
    is_str(set(b, "{\"x\":null}", "x.y", "1"), "BLOCKED", "blocked: intermediate null");
    is_str(set(b, "{\"x\":{\"y\":5}}", "x.y.z", "1"), "BLOCKED", "blocked: deeper");
    is_str(set(b, "{\"x\":{},\"x\":5}", "x.y", "1"), "BLOCKED", "blocked: last duplicate decides");
}

/* splice_blocked on heap copies of rec and path. */
static int blocked(const char *rec, const char *path)
{
    size_t n = strlen(rec), pn = strlen(path);
    char *r = heap_copy(rec, n), *p = heap_copy(path, pn);
    int res = splice_blocked(r, n, p, pn);
    free(r);
    free(p);
    return res;
}

static void test_splice_blocked(struct buf *b)
{
    ok(blocked("{\"x\":1}", "x.y") == 1, "splice_blocked: intermediate number");
    ok(blocked("{\"x\":[{}]}", "x.0") == 1, "splice_blocked: an array, even with an index");
    ok(blocked("{\"x\":null}", "x.y") == 1, "splice_blocked: intermediate null");
    ok(blocked("{\"x\":{\"y\":\"s\"}}", "x.y.z") == 1, "splice_blocked: deeper");
    ok(blocked("{\"x\":{},\"x\":5}", "x.y") == 1, "splice_blocked: last duplicate decides");
    ok(blocked("{\"x\":5,\"x\":{}}", "x.y") == 0, "splice_blocked: last duplicate an object");
    ok(blocked("{\"x\":1}", "x") == 0, "splice_blocked: the last member is replaced, any type");
    ok(blocked("{\"x\":{\"y\":1}}", "x.y") == 0, "splice_blocked: existing leaf");
    ok(blocked("{}", "x.y.z") == 0, "splice_blocked: nothing on the way exists");
    ok(blocked("{\"x\":{}}", "x.y.z") == 0, "splice_blocked: runs out inside an object");
    ok(blocked(" {\"x\":1} \n", "y.z") == 0, "splice_blocked: whitespace around the record");
    ok(blocked("[1]", "a") == -1, "splice_blocked: an array record is malformed");
    ok(blocked("{\"a\":}", "a.b") == -1, "splice_blocked: malformed record");
    ok(blocked("{}", "a..b") == -1, "splice_blocked: invalid path");
    ok(blocked("{}", "") == -1, "splice_blocked: empty path");

    /* splice_blocked says 1 exactly when splice_set says SPLICE_BLOCKED. */
    static const char *const recs[] = {"{\"a\":{\"b\":[1]},\"c\":2,\"d\":{\"e\":null}}", "{}",
                                       "{\"a\":\"s\",\"a\":{\"b\":{}}}"};
    static const char *const paths[] = {"a", "a.b", "a.b.c", "c.d", "d.e.f", "d.x.y", "z.a"};
    size_t disagree = 0;
    for (size_t i = 0; i < sizeof recs / sizeof *recs; i++) {
        for (size_t j = 0; j < sizeof paths / sizeof *paths; j++) {
            int is_blocked = strcmp(set(b, recs[i], paths[j], "1"), "BLOCKED") == 0;
            disagree += blocked(recs[i], paths[j]) != is_blocked;
        }
    }
    ok(disagree == 0, "splice_blocked agrees with splice_set (%zu disagree)", disagree);
}

static int path_valid(const char *path)
{
    size_t n = strlen(path);
    char *p = heap_copy(path, n);
    int v = splice_path_valid(p, n);
    free(p);
    return v;
}

static void test_path_valid(void)
{
    ok(path_valid("a") == 1, "path_valid: one component");
    ok(path_valid("result.geo.city") == 1, "path_valid: dotted");
    ok(path_valid("we ird.\xc3\xa9.0") == 1, "path_valid: any bytes but dots");
    ok(path_valid("") == 0, "path_valid: empty");
    ok(path_valid(".") == 0, "path_valid: a lone dot");
    ok(path_valid(".a") == 0, "path_valid: leading dot");
    ok(path_valid("a.") == 0, "path_valid: trailing dot");
    ok(path_valid("a..b") == 0, "path_valid: doubled dot");
    ok(path_valid("a.b..") == 0, "path_valid: doubled trailing dot");
    ok(splice_path_valid("a.b", 2) == 0, "path_valid: only path[0..n) counts (\"a.\")");
}

static void test_quoting(struct buf *b)
{
    is_str(set(b, "{}", "we\"ird", "1"), "{\"we\\\"ird\":1}", "quoting: a quote in the name");
    is_str(set(b, "{}", "back\\slash", "1"), "{\"back\\\\slash\":1}",
           "quoting: a backslash in the name");
    is_str(set(b, "{}", "tab\there\x01", "1"), "{\"tab\\there\\u0001\":1}",
           "quoting: control characters in the name");
    is_str(set(b, "{}", "bad\xff", "1"), "{\"bad\\ufffd\":1}", "quoting: invalid UTF-8 name");
    is_str(set(b, "{\"we\\\"ird\":0}", "we\"ird", "1"), "{\"we\\\"ird\":1}",
           "quoting: an escaped existing key is found");
}

static void test_malformed(struct buf *b)
{
    is_str(set(b, "[1]", "a", "1"), "MALFORMED", "malformed: array record");
    is_str(set(b, "\"s\"", "a", "1"), "MALFORMED", "malformed: string record");
    is_str(set(b, "", "a", "1"), "MALFORMED", "malformed: empty record");
    is_str(set(b, "{\"a\":}", "b", "1"), "MALFORMED", "malformed: missing value");
    is_str(set(b, "{\"a\":1", "b", "1"), "MALFORMED", "malformed: truncated record");
    is_str(set(b, "{\"a\":1} x {\"b\":2}", "c", "1"), "MALFORMED", "malformed: trailing text");
    is_str(set(b, "{\"a\":{\"b\":}}", "a.c", "1"), "MALFORMED", "malformed: nested object");
    is_str(set(b, "{}", "", "1"), "MALFORMED", "malformed: empty path");
    is_str(set(b, "{}", "a..b", "1"), "MALFORMED", "malformed: empty component");
    is_str(set(b, "{}", ".a", "1"), "MALFORMED", "malformed: leading dot");
    is_str(set(b, "{}", "a.", "1"), "MALFORMED", "malformed: trailing dot");

    /* Every cut of a record fails cleanly and stays in bounds. */
    const char *rec = "{\"a\":{\"b\":[1,\"}\\\"\"]},\"c\":\"\\u00e9\"}";
    size_t len = strlen(rec), malformed = 0;
    for (size_t k = 0; k < len; k++) {
        char cut[64];
        memcpy(cut, rec, k);
        cut[k] = '\0';
        malformed += strcmp(set(b, cut, "a.x", "1"), "MALFORMED") == 0;
    }
    ok(malformed == len, "malformed: each of %zu cuts of a record", len);
}

/* splice_set_valid skips the walk when the member cannot be there; set()
 * checks it against splice_set on every valid record. These are the cases
 * where it must and must not take the shortcut. */
static void test_valid_shortcut(struct buf *b)
{
    const char *rec = "{\"id\":123,\"event\":\"click\",\"ts\":1700000123}";
    const char *resp = "{\"id\":123,\"name\":\"user123\",\"plan\":\"pro\"}";
    is_str(set(b, rec, "response", resp),
           "{\"id\":123,\"event\":\"click\",\"ts\":1700000123,\"response\":{\"id\":123,\"name\":"
           "\"user123\",\"plan\":\"pro\"}}",
           "valid: absent member appended");
    is_str(set(b, " {\"a\":1 } \n", "response", "[]"), " {\"a\":1 ,\"response\":[]} \n",
           "valid: whitespace kept");
    is_str(set(b, "{ }", "response", "1"), "{ \"response\":1}", "valid: empty object");
    is_str(set(b, "{\"response\":1,\"a\":2}", "response", "3"), "{\"response\":3,\"a\":2}",
           "valid: present member replaced");
    is_str(set(b, "{\"response\":1,\"response\":2}", "response", "3"),
           "{\"response\":1,\"response\":3}", "valid: last of duplicates replaced");
    is_str(set(b, "{\"a\":\"response\"}", "response", "3"), "{\"a\":\"response\",\"response\":3}",
           "valid: the name as a string value");
    is_str(set(b, "{\"u\":{\"response\":1}}", "response", "3"),
           "{\"u\":{\"response\":1},\"response\":3}", "valid: the name in a nested object");
    is_str(set(b, "{\"respons\\u0065\":1}", "response", "3"), "{\"respons\\u0065\":3}",
           "valid: an escaped key is the member");
    is_str(set(b, "{\"s\":\"\\\\\"}", "response", "3"), "{\"s\":\"\\\\\",\"response\":3}",
           "valid: a backslash in the record");
    is_str(set(b, "{\"xresponse\":1,\"responsex\":2}", "response", "3"),
           "{\"xresponse\":1,\"responsex\":2,\"response\":3}", "valid: the name inside keys");
    is_str(set(b, "{\"a\":1}", "a.b", "3"), "BLOCKED", "valid: dotted path walks");
    is_str(set(b, "{\"x\":{}}", "x.b", "3"), "{\"x\":{\"b\":3}}", "valid: dotted path inserts");
    is_str(set(b, "{}", "we\"ird", "1"), "{\"we\\\"ird\":1}", "valid: a name needing escapes");
    is_str(set(b, "{}", "caf\xc3\xa9", "1"), "{\"caf\xc3\xa9\":1}", "valid: a non-ASCII name");
    is_str(set(b, "{\"a\":1}", "", "1"), "MALFORMED", "valid: empty path");

    /* Out of room: nothing written. */
    struct buf small;
    buf_init(&small, 4 + 20);
    const char *r = "{\"a\":1}";
    buf_puts(&small, PREFIX);
    ok(splice_set_valid(r, strlen(r), "response", 8, "123456", 6, &small) == SPLICE_NOMEM &&
           small.len == 4 && strcmp(small.data, PREFIX) == 0,
       "valid: over the cap, out left as it was");
    buf_free(&small);
}

static void test_nomem(void)
{
    struct buf small;
    buf_init(&small, 11);
    is_str(set(&small, "{\"a\":1}", "b", "2"), "NOMEM", "nomem: over the cap, out restored");
    is_str(set(&small, "{\"a\":1}", "a", "2"), "{\"a\":2}", "nomem: fits exactly under the cap");
    is_str(set(&small, "{}", "x.y", "1"), "NOMEM", "nomem: nested creation over the cap");
    buf_free(&small);
}

/* splice_merge into out, which already holds PREFIX: as set() does. */
static const char *merge(struct buf *out, const char *rec, const char *obj)
{
    size_t n = strlen(rec), on = strlen(obj);
    char *r = heap_copy(rec, n), *o = heap_copy(obj, on);
    buf_reset(out);
    buf_puts(out, PREFIX);
    enum splice_status st = splice_merge(r, n, o, on, out);
    free(r);
    free(o);
    if (out->len < 4 || memcmp(out->data, PREFIX, 4) != 0)
        return "(prefix clobbered)";
    if (st != SPLICE_OK)
        return out->len == 4 ? status_name(st) : "(out not restored)";
    return out->data + 4;
}

static void test_merge(struct buf *b)
{
    is_str(merge(b, "{\"a\":1,\"b\":2}", "{\"b\":20,\"c\":30}"), "{\"a\":1,\"b\":20,\"c\":30}",
           "merge: replaces in place, appends the new");
    is_str(merge(b, "{\"x\": 1.000 , \"b\" : [1, 2] ,\"n\":12345678901234567890}",
                 "{\"b\":{\"k\":1.50}}"),
           "{\"x\": 1.000 , \"b\" : {\"k\":1.50} ,\"n\":12345678901234567890}",
           "merge: the record's bytes outside the replaced value kept");
    is_str(merge(b, "{\"a\":1}", "{\"c\":3,\"b\":2,\"a\":0}"), "{\"a\":0,\"c\":3,\"b\":2}",
           "merge: appended members keep the result's order");
    is_str(merge(b, "{\"b\":1,\"a\":2}", "{\"a\":20,\"b\":10}"), "{\"b\":10,\"a\":20}",
           "merge: replacements follow the record's order, whatever the result's");
    is_str(merge(b, "{\"a\":1,\"a\":2}", "{\"a\":3}"), "{\"a\":1,\"a\":3}",
           "merge: the last of the record's duplicate keys is replaced");
    is_str(merge(b, "{\"a\":1}", "{\"b\":1,\"b\":2}"), "{\"a\":1,\"b\":2}",
           "merge: the last of the result's duplicate keys counts, appended once");
    is_str(merge(b, "{\"a\":1}", "{\"a\":5,\"a\":6}"), "{\"a\":6}",
           "merge: the last of the result's duplicates replaces");
    is_str(merge(b, "{\"\\u0061\":1}", "{\"a\":2,\"\\u0062\":3}"), "{\"\\u0061\":2,\"\\u0062\":3}",
           "merge: names compared decoded, written as they were");
    is_str(merge(b, "{\"a\":1}", "{\"\\u0061\":2,\"a\":3}"), "{\"a\":3}",
           "merge: duplicates in the result compared decoded");
    is_str(merge(b, "{}", "{\"a\":1,\"b\":2}"), "{\"a\":1,\"b\":2}", "merge: into {}");
    is_str(merge(b, " { } \n", "{\"a\":1}"), " { \"a\":1} \n", "merge: into { }, whitespace kept");
    is_str(merge(b, "{\"a\":1 }", "{}"), "{\"a\":1 }", "merge: {} changes nothing");
    is_str(merge(b, "{\"a\":1}", " { \"b\" : 2 } "), "{\"a\":1,\"b\":2}",
           "merge: whitespace inside the result is not copied between members");
    is_str(merge(b, "{\"a\":1}", "[1]"), "MALFORMED", "merge: an array result");
    is_str(merge(b, "{\"a\":1}", "\"s\""), "MALFORMED", "merge: a string result");
    is_str(merge(b, "[1]", "{\"a\":1}"), "MALFORMED", "merge: an array record");
    is_str(merge(b, "{\"a\":1}", "{\"a\":"), "MALFORMED", "merge: a cut result");
    struct buf small;
    buf_init(&small, 10);
    is_str(merge(&small, "{\"a\":1}", "{\"b\":2}"), "NOMEM", "merge: over the cap, out restored");
    buf_free(&small);
}

int main(void)
{
    struct buf b;
    buf_init(&b, 1 << 20);
    test_append(&b);
    test_replace(&b);
    test_nested(&b);
    test_blocked(&b);
    test_splice_blocked(&b);
    test_path_valid();
    test_quoting(&b);
    test_malformed(&b);
    test_valid_shortcut(&b);
    test_nomem();
    test_merge(&b);
    buf_free(&b);
    return tap_done();
}
