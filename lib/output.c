/* Output writer; see output.h. */
#include "output.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#define BLOCK 65536

int output_open(struct output *o, const char *path, int append, int line_buffered)
{
    memset(o, 0, sizeof(*o));
    o->line_buffered = line_buffered;
    /* A line may be far longer than a block; such a line is written directly. */
    buf_init(&o->buf, 2 * BLOCK);
    if (!path || strcmp(path, "-") == 0) {
        o->fd = 1;
        return 0;
    }
    int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (append ? O_APPEND : O_TRUNC);
    o->fd = open(path, flags, 0666);
    if (o->fd < 0)
        return -1;
    o->own_fd = 1;
    return 0;
}

static int write_all(struct output *o, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(o->fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            o->error = errno;
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

int output_flush(struct output *o)
{
    if (o->error)
        return -1;
    if (o->buf.len == 0)
        return 0;
    int rc = write_all(o, o->buf.data, o->buf.len);
    buf_reset(&o->buf);
    return rc;
}

int output_line(struct output *o, const char *p, size_t n)
{
    if (o->error)
        return -1;
    if (n >= BLOCK) {
        if (output_flush(o) < 0 || write_all(o, p, n) < 0 || write_all(o, "\n", 1) < 0)
            return -1;
        return 0;
    }
    if (o->buf.len + n + 1 > BLOCK && output_flush(o) < 0)
        return -1;
    if (buf_append(&o->buf, p, n) < 0 || buf_putc(&o->buf, '\n') < 0) {
        o->error = ENOMEM;
        return -1;
    }
    if (o->line_buffered || o->buf.len >= BLOCK)
        return output_flush(o);
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
