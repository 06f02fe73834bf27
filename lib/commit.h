/* --checkpoint: committing what the run has durably done, and resuming
 * from it. Every second or thousand records, and at the end, the output and
 * --errors are flushed and synced, then the checkpoint (checkpoint.h) is
 * written: where in the inputs every record before has left, which records
 * after that have left too (unordered mode), and how long the two files
 * were. A new run of the same command cuts both files back to those
 * lengths, reads on from that place, and skips the records that left. */
#ifndef ENRICH_COMMIT_H
#define ENRICH_COMMIT_H

#include <stddef.h>

#include "checkpoint.h"
#include "enrich.h"

struct commit {
    const char *path; /* the checkpoint file */
    unsigned long long fingerprint;
    struct checkpoint loaded; /* what the last run committed (resuming) */
    int resuming;
    struct checkpoint next; /* the skip list being kept for the next commit */
    long long last_ms;      /* when the last commit was */
    unsigned long left;     /* records that left since */
};

enum commit_start {
    COMMIT_FRESH,  /* no checkpoint yet: start from the beginning */
    COMMIT_RESUME, /* go on from c->loaded */
    COMMIT_DONE,   /* the run finished already: nothing to do (c->loaded.status) */
    COMMIT_REFUSED /* usage error, said in why */
};

/* Check the options (-o FILE, inputs that are regular files) and read the
 * checkpoint. */
enum commit_start commit_open(struct commit *c, const struct enrich_options *o, char *why,
                              size_t n);
void commit_close(struct commit *c);

/* Is it time for a commit (a second, or a thousand records, since the last)? */
int commit_due(const struct commit *c, long long now);
/* A record that left did so out of order (older records are still held):
 * remember its place for the skip list. */
int commit_left_early(struct commit *c, struct ckpt_pos at);
/* A record left (in order or not): counts toward the next commit. */
void commit_count(struct commit *c);

/* Write a checkpoint: resume is where reading goes on (every record before
 * it has left); the skip list keeps only what lies after it. The caller has
 * flushed and synced the files, whose lengths are given. done: the run
 * finished, with status. Returns 0, or -1 with a message in why. */
int commit_write(struct commit *c, struct ckpt_pos resume, unsigned long long out_len,
                 unsigned long long errors_len, int done, int status, long long now, char *why,
                 size_t n);

#endif
