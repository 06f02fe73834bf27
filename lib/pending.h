/* Records handed to the output but not yet known to be written: their
 * output sits in the output's block buffer. If that write then fails, these
 * are the records the run must still account for (copied to --errors), and
 * the last one settled is where the output ends. Pure bookkeeping. */
#ifndef ENRICH_PENDING_H
#define ENRICH_PENDING_H

#include <stddef.h>

#include "buf.h"

struct pending_entry {
    const char *input; /* borrowed: the input's display name */
    unsigned long lineno;
    int reported;    /* the record failed and was reported (and copied) already */
    size_t off, len; /* the input line in pending.lines, if kept */
    int has_line;
};

struct pending {
    struct buf entries;     /* struct pending_entry[] */
    struct buf lines;       /* the kept input lines, back to back */
    const char *last_input; /* the last record known written, or NULL */
    unsigned long last_lineno;
};

/* Start empty; max bounds the bytes of kept lines. Allocates nothing. */
void pending_init(struct pending *p, size_t max);
void pending_free(struct pending *p);

/* A record's output line was handed to the output; line (NULL: not kept)
 * is its input line, copied. reported: it failed and was reported already.
 * Returns 0, -1 when out of memory (then the record is not tracked). */
int pending_add(struct pending *p, const char *input, unsigned long lineno, int reported,
                const char *line, size_t n);
/* The output now holds only the newest `unwritten` lines: the older entries
 * are written, and the newest of those becomes the last written record. */
void pending_settle(struct pending *p, size_t unwritten);

size_t pending_count(const struct pending *p);
/* Entry i (0 is the oldest); *line and *n are NULL and 0 if its line was not kept. */
const struct pending_entry *pending_get(const struct pending *p, size_t i, const char **line,
                                        size_t *n);

#endif
