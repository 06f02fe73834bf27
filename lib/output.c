/* Output writer; see output.h. */
#include "output.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define BLOCK 65536

/* Where the next write lands, for cutting back after a failure. */
static void note_position(struct output *o)
{
    struct stat st;
    if (fstat(o->fd, &st) < 0 || !S_ISREG(st.st_mode))
        return;
    int flags = fcntl(o->fd, F_GETFL);
    off_t at = flags >= 0 && (flags & O_APPEND) ? st.st_size : lseek(o->fd, 0, SEEK_CUR);
    if (at < 0)
        return;
    o->regular = 1;
    o->committed = at;
}

int output_open(struct output *o, const char *path, int append, int line_buffered)
{
    memset(o, 0, sizeof(*o));
    o->line_buffered = line_buffered;
    /* A line may be far longer than a block; such a line is written directly. */
    buf_init(&o->buf, 2 * BLOCK);
    if (!path || strcmp(path, "-") == 0) {
        o->fd = 1;
    } else {
        int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (append ? O_APPEND : O_TRUNC);
        o->fd = open(path, flags, 0666);
        if (o->fd < 0)
            return -1;
        o->own_fd = 1;
    }
    note_position(o);
    return 0;
}

int output_cut(struct output *o, off_t len)
{
    if (ftruncate(o->fd, len) < 0)
        return -1;
    o->regular = 1;
    o->committed = len;
    return 0;
}

int output_sync(struct output *o)
{
    if (o->error)
        return -1;
    if (o->regular && fsync(o->fd) < 0) {
        o->error = errno;
        return -1;
    }
    return 0;
}

/* Called with a write failed: leave no partial line in a regular file. */
static int fail(struct output *o, int error)
{
    o->error = error;
    if (o->regular && ftruncate(o->fd, o->committed) < 0) {
        /* Nothing better to do: the write error is what gets reported. */
    }
    return -1;
}

static int write_all(struct output *o, const char *p, size_t n, size_t *sent)
{
    *sent = 0;
    while (n > 0) {
        ssize_t w = write(o->fd, p, n);
        if (w < 0) {
            int error = errno;
            /* A blocked write (a reader that does not read) must not hide
             * signals: the caller decides whether to go on. */
            if (error == EINTR && !(o->interrupted && o->interrupted(o->interrupt_ctx)))
                continue;
            return fail(o, error);
        }
        p += w;
        n -= (size_t)w;
        *sent += (size_t)w;
        /* A signal may also cut a blocked write short instead of failing it. */
        if (n > 0 && o->interrupted && o->interrupted(o->interrupt_ctx))
            return fail(o, EINTR);
    }
    return 0;
}

/* After a failed flush into something that cannot be cut back (a pipe, a
 * terminal): the lines that went out whole are written after all. */
static void count_sent(struct output *o, size_t sent)
{
    if (o->regular)
        return;
    for (const char *p = o->buf.data, *end = p + sent; (p = memchr(p, '\n', (size_t)(end - p)));
         p++) {
        o->lines--;
    }
}

int output_flush(struct output *o)
{
    if (o->error)
        return -1;
    if (o->buf.len == 0)
        return 0;
    size_t sent = 0;
    if (write_all(o, o->buf.data, o->buf.len, &sent) < 0) {
        count_sent(o, sent);
        return -1;
    }
    o->committed += (off_t)o->buf.len;
    o->lines = 0;
    buf_reset(&o->buf);
    return 0;
}

int output_line(struct output *o, const char *p, size_t n)
{
    if (o->error)
        return -1;
    size_t sent;
    if (n >= BLOCK) {
        if (output_flush(o) < 0 || write_all(o, p, n, &sent) < 0 ||
            write_all(o, "\n", 1, &sent) < 0)
            return -1;
        o->committed += (off_t)n + 1;
        return 0;
    }
    if (o->buf.len + n + 1 > BLOCK && output_flush(o) < 0)
        return -1;
    if (buf_append(&o->buf, p, n) < 0 || buf_putc(&o->buf, '\n') < 0)
        return fail(o, ENOMEM);
    o->lines++;
    if ((o->line_buffered || o->buf.len >= BLOCK) && output_flush(o) < 0) {
        o->lines--; /* this line is not written: the caller still holds it */
        return -1;
    }
    return 0;
}

int output_close(struct output *o)
{
    int rc = output_flush(o);
    if (o->own_fd && close(o->fd) < 0 && rc == 0) {
        o->error = errno;
        rc = -1;
    }
    o->fd = -1;
    buf_free(&o->buf);
    return rc;
}
