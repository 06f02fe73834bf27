/* --checkpoint commits; see commit.h. */
#include "commit.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#define COMMIT_EVERY_MS 1000
#define COMMIT_EVERY_RECORDS 1000

static int regular(const char *path)
{
    struct stat st;
    return (strcmp(path, "-") == 0 ? fstat(0, &st) : stat(path, &st)) == 0 && S_ISREG(st.st_mode);
}

enum commit_start commit_open(struct commit *c, const struct enrich_options *o, char *why, size_t n)
{
    memset(c, 0, sizeof(*c));
    checkpoint_init(&c->loaded);
    checkpoint_init(&c->next);
    c->path = o->checkpoint_path;
    if (!o->output_path || strcmp(o->output_path, "-") == 0) {
        snprintf(why, n, "--checkpoint needs -o FILE: standard output cannot be cut back");
        return COMMIT_REFUSED;
    }
    for (size_t i = 0; i < (o->ninputs ? o->ninputs : 1); i++) {
        const char *path = o->ninputs ? o->inputs[i] : "-";
        if (!regular(path)) {
            snprintf(why, n, "--checkpoint needs inputs that are regular files (%s is not)",
                     strcmp(path, "-") == 0 ? "<stdin>" : path);
            return COMMIT_REFUSED;
        }
    }
    c->fingerprint = checkpoint_fingerprint(o->argv, o->argc, o->inputs, o->ninputs);
    int got = checkpoint_load(c->path, &c->loaded, why, n);
    if (got < 0)
        return COMMIT_REFUSED;
    if (got == 0)
        return COMMIT_FRESH;
    if (c->loaded.fingerprint != c->fingerprint) {
        snprintf(why, n,
                 "%s: this checkpoint is of another command, or the inputs changed; "
                 "remove it (and the output) to start over",
                 c->path);
        return COMMIT_REFUSED;
    }
    if (c->loaded.done)
        return COMMIT_DONE;
    c->resuming = 1;
    /* Records that left out of order last time are still out of order. */
    for (size_t i = 0; i < c->loaded.nskip; i++)
        if (checkpoint_add_skip(&c->next, c->loaded.skip[i]) < 0) {
            snprintf(why, n, "out of memory");
            return COMMIT_REFUSED;
        }
    return COMMIT_RESUME;
}

void commit_close(struct commit *c)
{
    checkpoint_free(&c->loaded);
    checkpoint_free(&c->next);
}

int commit_due(const struct commit *c, long long now)
{
    return c->left >= COMMIT_EVERY_RECORDS || (c->left > 0 && now - c->last_ms >= COMMIT_EVERY_MS);
}

int commit_left_early(struct commit *c, struct ckpt_pos at)
{
    return checkpoint_add_skip(&c->next, at);
}

void commit_count(struct commit *c)
{
    c->left++;
}

static int before(struct ckpt_pos a, struct ckpt_pos b)
{
    return a.input < b.input || (a.input == b.input && a.offset < b.offset);
}

int commit_write(struct commit *c, struct ckpt_pos resume, unsigned long long out_len,
                 unsigned long long errors_len, int done, int status, long long now, char *why,
                 size_t n)
{
    /* What lies before the resume point is covered by it. */
    size_t kept = 0;
    for (size_t i = 0; i < c->next.nskip; i++)
        if (!before(c->next.skip[i], resume))
            c->next.skip[kept++] = c->next.skip[i];
    c->next.nskip = kept;
    c->next.fingerprint = c->fingerprint;
    c->next.done = done;
    c->next.status = status;
    c->next.resume = resume;
    c->next.out_len = out_len;
    c->next.errors_len = errors_len;
    c->last_ms = now;
    c->left = 0;
    return checkpoint_save(c->path, &c->next, why, n);
}
