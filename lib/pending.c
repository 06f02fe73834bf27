/* Records handed to the output and not yet written; see pending.h. */
#include "pending.h"

#include <string.h>

void pending_init(struct pending *p, size_t max)
{
    memset(p, 0, sizeof(*p));
    buf_init(&p->entries, (size_t)-1 / 2);
    buf_init(&p->lines, max);
}

void pending_free(struct pending *p)
{
    buf_free(&p->entries);
    buf_free(&p->lines);
}

size_t pending_count(const struct pending *p)
{
    return p->entries.len / sizeof(struct pending_entry);
}

static struct pending_entry *entry(const struct pending *p, size_t i)
{
    return (struct pending_entry *)(void *)p->entries.data + i;
}

int pending_add(struct pending *p, const char *input, unsigned long lineno, int reported,
                const char *line, size_t n)
{
    struct pending_entry e = {input, lineno, reported, p->lines.len, 0, 0};
    if (line) {
        if (buf_append(&p->lines, line, n) < 0)
            return -1;
        e.len = n;
        e.has_line = 1;
    }
    if (buf_append(&p->entries, &e, sizeof(e)) < 0) {
        p->lines.len = e.off;
        return -1;
    }
    return 0;
}

void pending_settle(struct pending *p, size_t unwritten)
{
    size_t count = pending_count(p);
    if (unwritten >= count)
        return;
    size_t settled = count - unwritten;
    struct pending_entry *last = entry(p, settled - 1);
    p->last_input = last->input;
    p->last_lineno = last->lineno;
    if (unwritten == 0) {
        buf_reset(&p->entries);
        buf_reset(&p->lines);
        return;
    }
    /* Only the newest few remain (the output flushed all older lines):
     * move them to the front. */
    size_t from = entry(p, settled)->off;
    if (p->lines.data) /* no line kept at all: nothing to move */
        memmove(p->lines.data, p->lines.data + from, p->lines.len - from);
    p->lines.len -= from;
    memmove(p->entries.data, entry(p, settled), unwritten * sizeof(struct pending_entry));
    p->entries.len = unwritten * sizeof(struct pending_entry);
    for (size_t i = 0; i < unwritten; i++)
        entry(p, i)->off -= from;
}

const struct pending_entry *pending_get(const struct pending *p, size_t i, const char **line,
                                        size_t *n)
{
    const struct pending_entry *e = entry(p, i);
    *line = e->has_line ? p->lines.data + e->off : NULL;
    *n = e->len;
    return e;
}
