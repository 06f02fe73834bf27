/* The line reader: terminators, lines across read boundaries, the cap. */
#include "lines.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"

/* Write text to a temporary file and open a reader on it. */
static int reader_on(struct lines *r, const char *text, size_t n, size_t max_line, char *path)
{
    strcpy(path, "/tmp/enrich-test-lines-XXXXXX");
    int fd = mkstemp(path);
    if (fd < 0 || write(fd, text, n) != (ssize_t)n)
        return -1;
    close(fd);
    return lines_open(r, path, max_line);
}

/* Read everything, joining lines with '|' and marking too-long ones as '!'. */
static void read_all(struct lines *r, struct buf *out, unsigned long *last_lineno)
{
    for (;;) {
        const char *line;
        size_t n;
        enum lines_status st = lines_next(r, &line, &n);
        if (st == LINES_AGAIN) {
            if (lines_fill(r) < 0)
                return;
            continue;
        }
        if (st == LINES_EOF)
            break;
        if (out->len)
            buf_putc(out, '|');
        if (st == LINES_TOO_LONG)
            buf_putc(out, '!');
        else
            buf_append(out, line, n);
    }
    *last_lineno = r->lineno;
}

static void case_text(const char *name, const char *text, size_t max_line, const char *want,
                      unsigned long want_lines)
{
    struct lines r;
    char path[64];
    struct buf out;
    buf_init(&out, 1 << 20);
    unsigned long lineno = 0;
    if (reader_on(&r, text, strlen(text), max_line, path) == 0) {
        ok(!r.pollable, "%s: a regular file is not polled", name);
        read_all(&r, &out, &lineno);
        lines_close(&r);
    }
    is_str(out.data ? out.data : "", want, name);
    ok(lineno == want_lines, "%s: %lu lines counted (got %lu)", name, want_lines, lineno);
    unlink(path);
    buf_free(&out);
}

static void long_lines_across_reads(void)
{
    /* 200000-byte lines span several 64 KiB reads. */
    size_t n = 200000;
    char *text = malloc(2 * n + 3);
    memset(text, 'a', n);
    text[n] = '\n';
    memset(text + n + 1, 'b', n);
    text[2 * n + 1] = '\n';
    text[2 * n + 2] = '\0';
    struct lines r;
    char path[64];
    int same = 0;
    if (reader_on(&r, text, 2 * n + 2, 1 << 20, path) == 0) {
        const char *line;
        size_t len;
        int count = 0;
        same = 1;
        for (;;) {
            enum lines_status st = lines_next(&r, &line, &len);
            if (st == LINES_AGAIN) {
                lines_fill(&r);
                continue;
            }
            if (st != LINES_OK)
                break;
            same &= len == n && line[0] == (count ? 'b' : 'a') && line[n - 1] == line[0];
            count++;
        }
        same &= count == 2;
        lines_close(&r);
    }
    ok(same, "two 200000-byte lines come back whole");
    unlink(path);
    free(text);
}

/* Each line's byte offset, over-long lines and lines across reads included. */
static void offsets(void)
{
    size_t big = 200000;
    char *text = malloc(big + 64);
    size_t n = 0;
    n += (size_t)sprintf(text + n, "{\"a\":1}\r\n\n");
    memset(text + n, 'x', big);
    n += big;
    n += (size_t)sprintf(text + n, "\nlast");
    struct lines r;
    char path[64];
    unsigned long long want[] = {0, 9, 10, 10 + big + 1};
    int right = 1, count = 0;
    if (reader_on(&r, text, n, 1000, path) == 0) {
        for (;;) {
            const char *line;
            size_t len;
            enum lines_status st = lines_next(&r, &line, &len);
            if (st == LINES_AGAIN) {
                if (lines_fill(&r) < 0)
                    break;
                continue;
            }
            if (st == LINES_EOF)
                break;
            right &= count < 4 && r.line_offset == want[count];
            if (count < 4 && r.line_offset != want[count])
                printf("# line %d at %llu, want %llu\n", count + 1, r.line_offset, want[count]);
            count++;
        }
        lines_close(&r);
    }
    ok(right && count == 4, "each line's offset, an over-long one included");
    unlink(path);
    free(text);
}

int main(void)
{
    offsets();
    case_text("plain lines", "a\nb\nc\n", 1024, "a|b|c", 3);
    case_text("CRLF endings are removed", "a\r\nb\r\n", 1024, "a|b", 2);
    case_text("a last line without newline is kept", "a\nb", 1024, "a|b", 2);
    case_text("blank lines are returned and counted", "a\n\n\nb\n", 1024, "a|||b", 4);
    case_text("empty input has no lines", "", 1024, "", 0);
    case_text("a line over the cap is skipped and counted", "ab\nxxxxxxxxxxxxxxxx\ncd\n", 4,
              "ab|!|cd", 3);
    case_text("an over-long last line without newline", "ab\nxxxxxxxxxxxxxxxx", 4, "ab|!", 2);
    case_text("a line of exactly the cap is kept, one byte more is not", "abcd\nabcde\n", 4,
              "abcd|!", 2);
    case_text("the cap does not count a CRLF's CR", "abcd\r\nabcde\r\n", 4, "abcd|!", 2);
    long_lines_across_reads();
    struct lines r;
    ok(lines_open(&r, "/nonexistent/enrich", 1024) < 0, "a missing file fails to open");
    ok(lines_open(&r, "/tmp", 1024) < 0, "a directory fails to open");
    return tap_done();
}
