/* Line reader; see lines.h. The buffer only grows to the longest line seen
 * (plus one read chunk), so memory does not depend on input length. */
#include "lines.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define READ_CHUNK 65536

int lines_open(struct lines *r, const char *path, size_t max_line)
{
    memset(r, 0, sizeof(*r));
    if (strcmp(path, "-") == 0) {
        r->name = "<stdin>";
        r->fd = 0;
    } else {
        r->name = path;
        r->fd = open(path, O_RDONLY | O_CLOEXEC);
        if (r->fd < 0)
            return -1;
        r->own_fd = 1;
    }
    struct stat st;
    if (fstat(r->fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        lines_close(r);
        errno = EISDIR;
        return -1;
    }
    r->pollable = !(fstat(r->fd, &st) == 0 && S_ISREG(st.st_mode));
    /* Room for the longest line plus one chunk that may start the next one. */
    r->max_line = max_line;
    buf_init(&r->buf, max_line + 2 * READ_CHUNK);
    return 0;
}

int lines_seek(struct lines *r, unsigned long long offset, unsigned long lineno)
{
    if (lseek(r->fd, (off_t)offset, SEEK_SET) < 0)
        return -1;
    r->dropped = offset;
    r->lineno = lineno;
    return 0;
}

void lines_position(const struct lines *r, unsigned long long *offset, unsigned long *lineno)
{
    *offset = r->dropped + r->start;
    *lineno = r->lineno;
}

void lines_close(struct lines *r)
{
    if (r->own_fd && r->fd >= 0)
        close(r->fd);
    r->fd = -1;
    buf_free(&r->buf);
}

static void compact(struct lines *r)
{
    if (r->start == 0)
        return;
    memmove(r->buf.data, r->buf.data + r->start, r->buf.len - r->start);
    r->buf.len -= r->start;
    r->dropped += r->start;
    r->start = 0;
}

long lines_fill(struct lines *r)
{
    if (r->eof)
        return 0;
    if (r->start > 0 && (r->start >= r->buf.len / 2 || r->buf.len + READ_CHUNK > r->buf.max))
        compact(r);
    if (buf_reserve(&r->buf, READ_CHUNK) < 0)
        return -1;
    ssize_t n = read(r->fd, r->buf.data + r->buf.len, READ_CHUNK);
    if (n < 0)
        return -1;
    if (n == 0)
        r->eof = 1;
    r->buf.len += (size_t)n;
    return (long)n;
}

/* Consume bytes up to end (exclusive) and the newline after it. */
static void consume(struct lines *r, size_t end)
{
    r->line_offset = r->dropped + r->start;
    r->start = end < r->buf.len ? end + 1 : end;
    r->scanned = 0;
    r->lineno++;
}

/* The rest of an over-long line is read into the void, not kept. */
static enum lines_status skip_long(struct lines *r, const char *nl)
{
    if (nl) {
        r->discarding = 0;
        unsigned long long at = r->long_start;
        consume(r, (size_t)(nl - r->buf.data));
        r->line_offset = at;
        return LINES_TOO_LONG;
    }
    r->dropped += r->buf.len;
    r->buf.len = r->start = r->scanned = 0;
    if (!r->eof)
        return LINES_AGAIN;
    r->discarding = 0;
    r->line_offset = r->long_start;
    r->lineno++;
    return LINES_TOO_LONG;
}

enum lines_status lines_next(struct lines *r, const char **line, size_t *len)
{
    size_t avail = r->buf.len - r->start;
    /* Before the first read buf.data is NULL, and even NULL + 0 is undefined: only point
     * into the buffer when it holds something to search. */
    const char *nl = avail > r->scanned
                         ? memchr(r->buf.data + r->start + r->scanned, '\n', avail - r->scanned)
                         : NULL;
    size_t end = nl ? (size_t)(nl - r->buf.data) : r->buf.len;
    if (r->discarding || end - r->start > r->max_line + 1) {
        if (!r->discarding)
            r->long_start = r->dropped + r->start;
        r->discarding = 1;
        return skip_long(r, nl);
    }
    if (!nl) {
        r->scanned = avail;
        if (!r->eof)
            return LINES_AGAIN;
        if (avail == 0)
            return LINES_EOF;
    }
    *line = r->buf.data + r->start;
    *len = end - r->start;
    if (*len > 0 && (*line)[*len - 1] == '\r')
        (*len)--;
    if (*len > r->max_line) {
        consume(r, end);
        return LINES_TOO_LONG;
    }
    consume(r, end);
    return LINES_OK;
}
