/* Fuzz target: the line reader. The first byte picks the line cap; the rest is the input,
 * read from a memory file. Every line returned is within the cap and holds no newline,
 * line numbers only grow, and the reader always reaches the end. */
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz.h"
#include "lines.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t max_line = 1 + (size_t)data[0] * 7;
    int fd = memfd_create("fuzz-lines", MFD_CLOEXEC);
    if (fd < 0)
        return 0;
    if (write(fd, data + 1, size - 1) != (ssize_t)(size - 1) || lseek(fd, 0, SEEK_SET) < 0) {
        close(fd);
        return 0;
    }
    char path[64];
    snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
    struct lines r;
    if (lines_open(&r, path, max_line) < 0) {
        close(fd);
        return 0;
    }
    unsigned long last = 0;
    size_t bytes = 0;
    for (int rounds = 0;; rounds++) {
        FUZZ_CHECK(rounds <= 2 * (int)size + 16); /* every round reads or returns something */
        const char *line;
        size_t n;
        enum lines_status st = lines_next(&r, &line, &n);
        if (st == LINES_EOF)
            break;
        if (st == LINES_AGAIN) {
            FUZZ_CHECK(lines_fill(&r) >= 0);
            continue;
        }
        FUZZ_CHECK(r.lineno > last);
        last = r.lineno;
        if (st == LINES_OK) {
            FUZZ_CHECK(n <= max_line);
            FUZZ_CHECK(memchr(line, '\n', n) == NULL);
            bytes += n;
        }
    }
    FUZZ_CHECK(bytes <= size - 1);
    unsigned long long offset;
    unsigned long lineno;
    lines_position(&r, &offset, &lineno);
    FUZZ_CHECK(offset == size - 1 && lineno == last);
    lines_close(&r);
    close(fd);
    return 0;
}
