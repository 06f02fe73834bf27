/* Writing output lines: into a block buffer flushed at 64 KiB, before the
 * event loop waits, or after every line when line-buffered. Descriptors are
 * used as inherited (never made non-blocking: that flag is shared with the
 * shell and its other children).
 *
 * What reached the file is tracked in whole lines. When a write fails on a
 * regular file, the file is cut back to the end of the last whole line
 * written, so it never ends in half a record. */
#ifndef ENRICH_OUTPUT_H
#define ENRICH_OUTPUT_H

#include <stddef.h>
#include <sys/types.h>

#include "buf.h"

/* Called when a blocked write is interrupted by a signal. Return nonzero to
 * abandon the write (output_* then fails with error EINTR), 0 to go on. */
typedef int (*output_interrupt_fn)(void *ctx);

struct output {
    int fd;
    int own_fd;
    int line_buffered;
    int error;       /* errno of the first failed write (EPIPE: reader gone), or 0 */
    int regular;     /* a regular file: can be cut back after a failed write */
    off_t committed; /* file offset just past the last whole line written */
    size_t lines;    /* lines accepted (output_line returned 0), not yet written */
    output_interrupt_fn interrupted;
    void *interrupt_ctx;
    struct buf buf;
};

/* path NULL or "-": stdout. append: O_APPEND instead of truncating.
 * Returns 0, or -1 with errno set. */
int output_open(struct output *o, const char *path, int append, int line_buffered);
/* Cut a regular file opened for appending back to len bytes (what a
 * checkpoint committed) and write on from there. Returns 0, or -1 with
 * errno set. */
int output_cut(struct output *o, off_t len);
/* Make what was written durable (fsync). Returns 0, or -1 (o->error set). */
int output_sync(struct output *o);

/* Flush what is pending and close. Returns 0, or -1 (o->error set). */
int output_close(struct output *o);

/* Queue p[0..n) followed by a newline. Returns 0, or -1 once a write has
 * failed (o->error says why; nothing more is written after that). On -1 this
 * line is not written (not even in part, in a regular file), and `lines`
 * says how many of the lines accepted before it are not written either. */
int output_line(struct output *o, const char *p, size_t n);
/* Write everything pending. Returns 0 or -1 (o->error set). */
int output_flush(struct output *o);

#endif
