/* Unit tests for the records handed to the output and not yet written. */
#include "pending.h"

#include <string.h>

#include "tap.h"

static void add(struct pending *p, unsigned long lineno, const char *line)
{
    ok(pending_add(p, "in", lineno, 0, line, line ? strlen(line) : 0) == 0, "add line %lu", lineno);
}

static void test_settle_all(void)
{
    struct pending p;
    pending_init(&p, 1 << 20);
    ok(p.last_input == NULL, "nothing written at first");
    add(&p, 1, "{\"id\":1}");
    add(&p, 2, "{\"id\":2}");
    ok(pending_count(&p) == 2, "two pending");
    pending_settle(&p, 2);
    ok(pending_count(&p) == 2 && p.last_input == NULL, "settling with both unwritten keeps both");
    pending_settle(&p, 0);
    ok(pending_count(&p) == 0, "all written");
    ok(p.last_input && strcmp(p.last_input, "in") == 0 && p.last_lineno == 2,
       "the last written is line 2");
    pending_free(&p);
}

static void test_settle_keeps_newest(void)
{
    struct pending p;
    pending_init(&p, 1 << 20);
    add(&p, 1, "aaa");
    add(&p, 2, "bb");
    add(&p, 3, "c");
    pending_settle(&p, 1);
    ok(pending_count(&p) == 1, "one left");
    ok(p.last_lineno == 2, "line 2 is the last written");
    const char *line;
    size_t n;
    const struct pending_entry *e = pending_get(&p, 0, &line, &n);
    ok(e->lineno == 3 && n == 1 && memcmp(line, "c", 1) == 0, "line 3 kept with its text");
    add(&p, 4, "dddd");
    e = pending_get(&p, 1, &line, &n);
    ok(e->lineno == 4 && n == 4 && memcmp(line, "dddd", 4) == 0, "a later line follows it");
    pending_free(&p);
}

static void test_lines_not_kept(void)
{
    struct pending p;
    pending_init(&p, 1 << 20);
    ok(pending_add(&p, "in", 7, 1, NULL, 0) == 0, "add without a line");
    const char *line;
    size_t n;
    const struct pending_entry *e = pending_get(&p, 0, &line, &n);
    ok(line == NULL && n == 0 && e->reported && e->lineno == 7, "no line, reported kept");
    pending_free(&p);
}

/* No line kept (no --errors): settling part of the entries moves no text. */
static void test_settle_without_lines(void)
{
    struct pending p;
    pending_init(&p, 1 << 20);
    add(&p, 1, NULL);
    add(&p, 2, NULL);
    add(&p, 3, NULL);
    pending_settle(&p, 2);
    const char *line;
    size_t n;
    const struct pending_entry *e = pending_get(&p, 0, &line, &n);
    ok(pending_count(&p) == 2 && p.last_lineno == 1 && e->lineno == 2 && line == NULL,
       "the newest two stay, with no text");
    pending_free(&p);
}

static void test_cap(void)
{
    struct pending p;
    pending_init(&p, 4);
    ok(pending_add(&p, "in", 1, 0, "abc", 3) == 0, "under the cap");
    ok(pending_add(&p, "in", 2, 0, "de", 2) < 0, "over the cap fails");
    ok(pending_count(&p) == 1, "and tracks nothing of it");
    pending_free(&p);
}

int main(void)
{
    test_settle_all();
    test_settle_keeps_newest();
    test_lines_not_kept();
    test_settle_without_lines();
    test_cap();
    return tap_done();
}
