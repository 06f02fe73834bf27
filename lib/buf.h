/* Growable byte buffer with a hard cap (the curl dynbuf idea): every append
 * either succeeds whole or leaves the buffer exactly as it was. */
#ifndef ENRICH_BUF_H
#define ENRICH_BUF_H

#include <stddef.h>
#include <string.h>

struct buf {
    char *data; /* owned; NUL-terminated after any successful append */
    size_t len;
    size_t cap;
    size_t max; /* hard cap on len; an append past it fails */
};

/* Start empty with a cap of max bytes. Allocates nothing. */
void buf_init(struct buf *b, size_t max);
/* Release the memory; the buffer can be reused after buf_init. */
void buf_free(struct buf *b);
/* Forget the contents, keep the memory. */
void buf_reset(struct buf *b);

/* Each returns 0, or -1 (out of memory or over the cap) with b unchanged. */
int buf_append_grow(struct buf *b, const void *p, size_t n);
/* Inline where the room is there already: appends are the record path's
 * most frequent call. */
static inline int buf_append(struct buf *b, const void *p, size_t n)
{
    if (n < b->cap - b->len && n <= b->max - b->len) {
        memcpy(b->data + b->len, p, n);
        b->len += n;
        b->data[b->len] = '\0';
        return 0;
    }
    return buf_append_grow(b, p, n);
}
static inline int buf_putc(struct buf *b, char c)
{
    return buf_append(b, &c, 1);
}
int buf_puts(struct buf *b, const char *s);
int buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Make room for n more bytes without changing len. */
int buf_reserve(struct buf *b, size_t n);

#endif
