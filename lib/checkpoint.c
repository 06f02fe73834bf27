/* The checkpoint file; see checkpoint.h. */
#include "checkpoint.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomicfile.h"

#define MAGIC "enrich-checkpoint 1\n"
#define MAX_FILE ((size_t)64 << 20)

void checkpoint_init(struct checkpoint *c)
{
    memset(c, 0, sizeof(*c));
}

void checkpoint_free(struct checkpoint *c)
{
    free(c->skip);
    checkpoint_init(c);
}

int checkpoint_add_skip(struct checkpoint *c, struct ckpt_pos at)
{
    if (c->nskip == c->skip_cap) {
        size_t cap = c->skip_cap ? 2 * c->skip_cap : 64;
        struct ckpt_pos *p = realloc(c->skip, cap * sizeof(*p));
        if (!p)
            return -1;
        c->skip = p;
        c->skip_cap = cap;
    }
    c->skip[c->nskip++] = at;
    return 0;
}

int checkpoint_skips(const struct checkpoint *c, size_t input, unsigned long long offset)
{
    for (size_t i = 0; i < c->nskip; i++)
        if (c->skip[i].input == input && c->skip[i].offset == offset)
            return 1;
    return 0;
}

int checkpoint_format(const struct checkpoint *c, struct buf *out)
{
    if (buf_puts(out, MAGIC) < 0 ||
        buf_printf(out, "fingerprint %016llx\nstate %s %d\n", c->fingerprint,
                   c->done ? "done" : "running", c->status) < 0 ||
        buf_printf(out, "resume %zu %llu %lu\noutput %llu\nerrors %llu\n", c->resume.input,
                   c->resume.offset, c->resume.lineno, c->out_len, c->errors_len) < 0)
        return -1;
    for (size_t i = 0; i < c->nskip; i++)
        if (buf_printf(out, "skip %zu %llu %lu\n", c->skip[i].input, c->skip[i].offset,
                       c->skip[i].lineno) < 0)
            return -1;
    return buf_puts(out, "end\n");
}

/* One line of text at *p (up to end), NUL-terminated into line. */
static int next_line(const char **p, const char *end, char *line, size_t n)
{
    const char *nl = memchr(*p, '\n', (size_t)(end - *p));
    if (!nl || (size_t)(nl - *p) >= n)
        return -1;
    memcpy(line, *p, (size_t)(nl - *p));
    line[nl - *p] = '\0';
    *p = nl + 1;
    return 0;
}

int checkpoint_parse(const char *text, size_t n, struct checkpoint *c)
{
    const char *p = text, *end = text + n;
    char line[128], state[16], tail;
    struct checkpoint got;
    checkpoint_init(&got);
    if (n < strlen(MAGIC) || memcmp(text, MAGIC, strlen(MAGIC)) != 0)
        return -1;
    p += strlen(MAGIC);
    int ok = next_line(&p, end, line, sizeof(line)) == 0 &&
             sscanf(line, "fingerprint %llx%c", &got.fingerprint, &tail) == 1 &&
             next_line(&p, end, line, sizeof(line)) == 0 &&
             sscanf(line, "state %15s %d%c", state, &got.status, &tail) == 2 &&
             (strcmp(state, "done") == 0 || strcmp(state, "running") == 0) &&
             next_line(&p, end, line, sizeof(line)) == 0 &&
             sscanf(line, "resume %zu %llu %lu%c", &got.resume.input, &got.resume.offset,
                    &got.resume.lineno, &tail) == 3 &&
             next_line(&p, end, line, sizeof(line)) == 0 &&
             sscanf(line, "output %llu%c", &got.out_len, &tail) == 1 &&
             next_line(&p, end, line, sizeof(line)) == 0 &&
             sscanf(line, "errors %llu%c", &got.errors_len, &tail) == 1;
    got.done = ok && strcmp(state, "done") == 0;
    while (ok) {
        struct ckpt_pos at;
        ok = next_line(&p, end, line, sizeof(line)) == 0;
        if (ok && strcmp(line, "end") == 0)
            break;
        ok = ok &&
             sscanf(line, "skip %zu %llu %lu%c", &at.input, &at.offset, &at.lineno, &tail) == 3 &&
             checkpoint_add_skip(&got, at) == 0;
    }
    if (!ok || p != end) {
        checkpoint_free(&got);
        return -1;
    }
    checkpoint_free(c);
    *c = got;
    return 0;
}

int checkpoint_load(const char *path, struct checkpoint *c, char *why, size_t n)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT)
            return 0;
        snprintf(why, n, "%s: %s", path, strerror(errno));
        return -1;
    }
    struct buf b;
    buf_init(&b, MAX_FILE);
    int rc = 0;
    for (;;) {
        if (buf_reserve(&b, 4096) < 0) {
            rc = -1;
            break;
        }
        ssize_t got = read(fd, b.data + b.len, 4096);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0) {
            rc = got < 0 ? -1 : 0;
            break;
        }
        b.len += (size_t)got;
    }
    close(fd);
    if (rc == 0 && checkpoint_parse(b.data ? b.data : "", b.len, c) < 0)
        rc = -1;
    if (rc < 0)
        snprintf(why, n, "%s: not a checkpoint of this version of enrich (or damaged)", path);
    buf_free(&b);
    return rc < 0 ? -1 : 1;
}

int checkpoint_save(const char *path, const struct checkpoint *c, char *why, size_t n)
{
    struct buf text;
    buf_init(&text, MAX_FILE);
    int rc = -1;
    if (checkpoint_format(c, &text) < 0)
        snprintf(why, n, "%s: out of memory", path);
    else
        rc = atomicfile_write(path, text.data, text.len, why, n);
    buf_free(&text);
    return rc;
}

static unsigned long long fnv(unsigned long long h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) {
        h ^= b[i];
        h *= 1099511628211ULL;
    }
    return h;
}

unsigned long long checkpoint_fingerprint(const char *const *words, size_t nwords,
                                          const char *const *inputs, size_t ninputs)
{
    unsigned long long h = 14695981039346656037ULL;
    for (size_t i = 0; i < nwords; i++)
        h = fnv(h, words[i], strlen(words[i]) + 1);
    for (size_t i = 0; i < (ninputs ? ninputs : 1); i++) {
        const char *path = ninputs ? inputs[i] : "-";
        struct stat st;
        memset(&st, 0, sizeof(st));
        if (strcmp(path, "-") == 0 ? fstat(0, &st) : stat(path, &st))
            memset(&st, 0, sizeof(st));
        long long facts[4] = {(long long)st.st_size, (long long)st.st_mtim.tv_sec,
                              (long long)st.st_mtim.tv_nsec, (long long)st.st_ino};
        h = fnv(h, path, strlen(path) + 1);
        h = fnv(h, facts, sizeof(facts));
    }
    return h;
}
