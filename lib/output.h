/* Writing output lines: into a block buffer flushed at 64 KiB, before the
 * event loop waits, or after every line when line-buffered. Descriptors are
 * used as inherited (never made non-blocking: that flag is shared with the
 * shell and its other children). */
#ifndef ENRICH_OUTPUT_H
#define ENRICH_OUTPUT_H

#include <stddef.h>

#include "buf.h"

struct output {
    int fd;
    int own_fd;
    int line_buffered;
    int error; /* errno of the first failed write (EPIPE: reader gone), or 0 */
    struct buf buf;
};

/* path NULL or "-": stdout. append: O_APPEND instead of truncating.
 * Returns 0, or -1 with errno set. */
int output_open(struct output *o, const char *path, int append, int line_buffered);
/* Flush what is pending and close. Returns 0, or -1 (o->error set). */
int output_close(struct output *o);

/* Queue p[0..n) followed by a newline. Returns 0, or -1 once a write has
 * failed (o->error says why; nothing more is written after that). */
int output_line(struct output *o, const char *p, size_t n);
/* Write everything pending. Returns 0 or -1 (o->error set). */
int output_flush(struct output *o);

#endif
