/* Reading newline-delimited input of any line length from one file
 * descriptor, without blocking the event loop: lines_fill does at most one
 * read(2), and callers only call it when the descriptor is readable (a
 * regular file always is). */
#ifndef ENRICH_LINES_H
#define ENRICH_LINES_H

#include <stddef.h>

#include "buf.h"

enum lines_status {
    LINES_OK,      /* a line is returned */
    LINES_AGAIN,   /* no complete line buffered: call lines_fill */
    LINES_EOF,     /* input exhausted */
    LINES_TOO_LONG /* a line over the cap was skipped (its number is counted) */
};

struct lines {
    const char *name; /* for messages: the path, or "<stdin>" */
    int fd;
    int own_fd;   /* close it at lines_close */
    int pollable; /* not a regular file: wait for readability */
    int eof;
    int discarding;                 /* inside an over-long line */
    unsigned long lineno;           /* physical line number of the last line returned */
    unsigned long long line_offset; /* byte offset where that line starts */
    unsigned long long dropped;     /* bytes read and no longer in buf */
    unsigned long long long_start;  /* where the over-long line being skipped starts */
    size_t max_line;
    size_t start;   /* first unconsumed byte in buf */
    size_t scanned; /* bytes after start already searched for '\n' */
    struct buf buf;
};

/* Open path ("-" is stdin) for reading, lines capped at max_line bytes.
 * Returns 0, or -1 with errno set (the reader then holds nothing). */
int lines_open(struct lines *r, const char *path, size_t max_line);
void lines_close(struct lines *r);

/* The next line, terminator ("\n" or "\r\n") removed; *line points into the
 * reader's buffer and stays valid until the next call. */
enum lines_status lines_next(struct lines *r, const char **line, size_t *len);

/* Start reading at byte offset (a regular file), counting lines after
 * lineno. Call right after lines_open. Returns 0, or -1 with errno set. */
int lines_seek(struct lines *r, unsigned long long offset, unsigned long lineno);
/* The offset of the next line not yet returned, and the number of the line
 * before it. */
void lines_position(const struct lines *r, unsigned long long *offset, unsigned long *lineno);

/* One read(2) into the buffer. Returns bytes read, 0 at end of input, or -1
 * with errno set (EINTR included: call again). */
long lines_fill(struct lines *r);

#endif
