/* The run's input; see input.h. */
#include "input.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

void input_init(struct input *in, const char *const *paths, size_t npaths, size_t max_line)
{
    memset(in, 0, sizeof(*in));
    in->paths = paths;
    in->npaths = npaths;
    in->max_line = max_line;
}

void input_close(struct input *in)
{
    if (in->open)
        lines_close(&in->lines);
    in->open = 0;
}

static const char *path_at(const struct input *in, size_t i)
{
    return in->npaths ? in->paths[i] : "-";
}

static int blank(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r')
            return 0;
    return 1;
}

static enum input_status open_next(struct input *in, char *why, size_t n)
{
    if (in->next >= (in->npaths ? in->npaths : 1)) {
        in->done = 1;
        return INPUT_END;
    }
    const char *path = path_at(in, in->next++);
    if (lines_open(&in->lines, path, in->max_line) < 0) {
        snprintf(why, n, "%s: %s", strcmp(path, "-") == 0 ? "<stdin>" : path, strerror(errno));
        return INPUT_ERROR;
    }
    in->open = 1;
    in->readable = 0;
    if (in->start_offset || in->start_lineno) {
        if (lines_seek(&in->lines, in->start_offset, in->start_lineno) < 0) {
            snprintf(why, n, "%s: cannot resume at byte %llu: %s", in->lines.name, in->start_offset,
                     strerror(errno));
            return INPUT_ERROR;
        }
        in->start_offset = 0;
        in->start_lineno = 0;
    }
    return INPUT_LINE;
}

void input_resume(struct input *in, size_t index, unsigned long long offset, unsigned long lineno)
{
    in->next = index;
    in->start_offset = offset;
    in->start_lineno = lineno;
}

void input_position(const struct input *in, size_t *index, unsigned long long *offset,
                    unsigned long *lineno)
{
    if (!in->open) {
        /* Between files: the next one, from its start (or, resuming, from
         * where it is to start). */
        *index = in->next;
        *offset = in->start_offset;
        *lineno = in->start_lineno;
        return;
    }
    *index = in->next - 1;
    lines_position(&in->lines, offset, lineno);
}

enum input_status input_next(struct input *in, struct input_line *line, char *why, size_t n)
{
    while (!in->done) {
        if (!in->open) {
            enum input_status st = open_next(in, why, n);
            if (st != INPUT_LINE)
                return st;
            continue;
        }
        const char *p;
        size_t len;
        struct lines *l = &in->lines;
        switch (lines_next(l, &p, &len)) {
        case LINES_OK:
            /* A byte order mark opens some files; it is not part of the record. */
            if (l->lineno == 1 && len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
                p += 3, len -= 3;
            if (blank(p, len))
                break;
            *line = (struct input_line){in->next - 1, l->name, l->lineno, l->line_offset, p, len};
            return INPUT_LINE;
        case LINES_TOO_LONG:
            *line = (struct input_line){in->next - 1, l->name, l->lineno, l->line_offset, "", 0};
            return INPUT_TOO_LONG;
        case LINES_EOF:
            lines_close(l);
            in->open = 0;
            break;
        case LINES_AGAIN:
            if (l->pollable && !in->readable)
                return INPUT_WAIT;
            in->readable = 0;
            if (lines_fill(l) < 0 && errno != EINTR) {
                snprintf(why, n, "%s:%lu: read error: %s", l->name, l->lineno + 1, strerror(errno));
                return INPUT_ERROR;
            }
            break;
        }
    }
    return INPUT_END;
}

int input_fd(const struct input *in)
{
    return in->open && in->lines.pollable && !in->readable ? in->lines.fd : -1;
}

void input_readable(struct input *in)
{
    in->readable = 1;
}

int input_check(const char *const *paths, size_t npaths, char *why, size_t n)
{
    struct stat st;
    for (size_t i = 0; i < (npaths ? npaths : 1); i++) {
        const char *path = npaths ? paths[i] : "-";
        if (strcmp(path, "-") == 0) {
            if (fstat(0, &st) == 0 && S_ISDIR(st.st_mode)) {
                snprintf(why, n, "<stdin>: %s", strerror(EISDIR));
                return -1;
            }
            continue;
        }
        if (stat(path, &st) < 0 || access(path, R_OK) < 0) {
            snprintf(why, n, "%s: %s", path, strerror(errno));
            return -1;
        }
        if (S_ISDIR(st.st_mode)) {
            snprintf(why, n, "%s: %s", path, strerror(EISDIR));
            return -1;
        }
    }
    return 0;
}

int input_is_sink(const char *const *paths, size_t npaths, const struct stat *sink,
                  const char *what, char *why, size_t n)
{
    if (!S_ISREG(sink->st_mode))
        return 0; /* devices such as /dev/null may be both */
    for (size_t i = 0; i < (npaths ? npaths : 1); i++) {
        const char *path = npaths ? paths[i] : "-";
        int is_stdin = strcmp(path, "-") == 0;
        struct stat st;
        if ((is_stdin ? fstat(0, &st) : stat(path, &st)) == 0 && S_ISREG(st.st_mode) &&
            st.st_dev == sink->st_dev && st.st_ino == sink->st_ino) {
            snprintf(why, n, "%s: input file is output file (%s)", is_stdin ? "<stdin>" : path,
                     what);
            return -1;
        }
    }
    return 0;
}
