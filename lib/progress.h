/* --progress: the live status line on a terminal. progress_format is pure
 * (the run's numbers and the time in, text out) so tests can drive it;
 * progress_draw and progress_erase put it on the descriptor cmd chose, and
 * remember whether it is shown, so the engine can erase it before a message
 * and redraw it on its next tick. */
#ifndef ENRICH_PROGRESS_H
#define ENRICH_PROGRESS_H

#include <stddef.h>

#include "stats.h"

/* What the line shows besides the stats. */
struct progress_now {
    size_t in_flight; /* requests in flight */
    double elapsed_s; /* since the run started */
    size_t width;     /* the terminal's columns; 0: unknown (80) */
};

/* The status line, e.g. "1200 read  1180 written  590/s  20 in flight  2
 * failed  5 retries  p50 12ms  p99 250ms", into out (n bytes, NUL ended),
 * cut to width - 1 columns so it never wraps. Returns its length. */
size_t progress_format(const struct stats *s, const struct progress_now *now, char *out, size_t n);

struct progress {
    int fd;    /* where to draw, or -1: nothing is drawn */
    int shown; /* a line is on the terminal now */
};

/* Replace the line shown (if any) with line. */
void progress_draw(struct progress *p, const char *line, size_t len);
/* Erase the line, if one is shown: the cursor is back at the line's start. */
void progress_erase(struct progress *p);

#endif
