/* The run's input: the FILE arguments in turn ("-" or none: standard
 * input), as records ready to admit. It owns the reading: opening each file
 * when the last is done, skipping a UTF-8 byte order mark and blank lines,
 * numbering physical lines from 1 in each file, and the byte offset where
 * each line starts (what a checkpoint resumes from). It never blocks: a
 * regular file is always read; a pipe or terminal is read only after the
 * loop saw it readable (input_fd, input_readable).
 *
 * Also here: the checks made before anything is read, of the inputs and of
 * the files the run will write, which must not be inputs. */
#ifndef ENRICH_INPUT_H
#define ENRICH_INPUT_H

#include <stddef.h>
#include <sys/stat.h>

#include "lines.h"

struct input {
    const char *const *paths; /* borrowed */
    size_t npaths;
    size_t next; /* the next path to open */
    size_t max_line;
    int open;     /* lines holds an open file */
    int done;     /* every input was read */
    int readable; /* the loop saw the descriptor readable */
    struct lines lines;
    /* input_resume: where the first file opened starts reading. */
    unsigned long long start_offset;
    unsigned long start_lineno;
};

enum input_status {
    INPUT_LINE,     /* a record's line (*line filled) */
    INPUT_TOO_LONG, /* a line over the cap was skipped (*line has its place, no text) */
    INPUT_WAIT,     /* nothing without waiting: poll input_fd, then input_readable */
    INPUT_END,      /* every input is read */
    INPUT_ERROR     /* an input cannot be opened or read: message in why */
};

struct input_line {
    size_t index;              /* which input (0-based FILE argument) */
    const char *name;          /* the input's display name: the path, or "<stdin>" */
    unsigned long lineno;      /* physical line number in that input, from 1 */
    unsigned long long offset; /* byte offset where the line starts */
    const char *p; /* the line without its terminator (or BOM); valid until the next call */
    size_t n;
};

/* Set up (nothing is opened yet). paths: FILE arguments, none for stdin. */
void input_init(struct input *in, const char *const *paths, size_t npaths, size_t max_line);
void input_close(struct input *in);

/* The next non-blank line. why (n bytes) gets a one-line message on INPUT_ERROR. */
enum input_status input_next(struct input *in, struct input_line *line, char *why, size_t n);

/* Start reading at input index, byte offset, after line number lineno
 * (what a checkpoint says), instead of at the start. Call before the first
 * input_next. The input must be seekable (a regular file). */
void input_resume(struct input *in, size_t index, unsigned long long offset, unsigned long lineno);
/* Where reading would go on: the next line's input, offset and the number
 * of the line before it. */
void input_position(const struct input *in, size_t *index, unsigned long long *offset,
                    unsigned long *lineno);

/* The descriptor to poll for readability, or -1 when no wait is needed. */
int input_fd(const struct input *in);
/* The loop saw input_fd readable (or hung up). */
void input_readable(struct input *in);

/* Before anything is read: every path must be readable and not a directory
 * (standard input included). Checked without opening, since opening and
 * closing a FIFO would cost its writer the data. Returns 0, or -1 with a
 * message in why. */
int input_check(const char *const *paths, size_t npaths, char *why, size_t n);

/* Is sink (an output's stat) one of the inputs, as a regular file? An
 * output that is an input would be truncated before it is read, or grow
 * while it is read. Returns 0, or -1 with "NAME: input file is output file
 * (what)" in why. */
int input_is_sink(const char *const *paths, size_t npaths, const struct stat *sink,
                  const char *what, char *why, size_t n);

#endif
