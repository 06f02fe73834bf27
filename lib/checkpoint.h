/* The checkpoint file of --checkpoint: what a run has durably done, so that
 * the same command run again after a crash (kill -9 included) continues
 * where the committed output ends, and a finished run is not redone.
 *
 * It holds a fingerprint of the command and its inputs (a resume with other
 * settings or changed inputs is refused), the position in the inputs before
 * which every record has left (been written, dropped or copied to
 * --errors), the records after it that have left already (unordered mode
 * writes out of order), and the lengths of the output and --errors files at
 * that moment. It is written whole to a temporary file, synced, and renamed
 * over the old one, so a crash leaves either the old or the new. The text
 * form is small and line-based; checkpoint_format and checkpoint_parse are
 * pure and unit-tested. */
#ifndef ENRICH_CHECKPOINT_H
#define ENRICH_CHECKPOINT_H

#include <stddef.h>

#include "buf.h"

/* A place in the inputs: the FILE argument (0-based), the byte offset of a
 * line in it, and the physical number of the line before it. */
struct ckpt_pos {
    size_t input;
    unsigned long long offset;
    unsigned long lineno;
};

struct checkpoint {
    unsigned long long fingerprint;
    int done;   /* the run finished: a new run has nothing to do */
    int status; /* with done: the exit status the run had */
    struct ckpt_pos resume;
    unsigned long long out_len, errors_len;
    struct ckpt_pos *skip; /* owned; records after resume that left already */
    size_t nskip, skip_cap;
};

void checkpoint_init(struct checkpoint *c);
void checkpoint_free(struct checkpoint *c);
/* Add a record (by its place) to the skip list. Returns 0, -1 out of memory. */
int checkpoint_add_skip(struct checkpoint *c, struct ckpt_pos at);
/* Is a record at (input, offset) in the skip list? */
int checkpoint_skips(const struct checkpoint *c, size_t input, unsigned long long offset);

/* The text of c, appended to out. Returns 0, -1 out of memory. */
int checkpoint_format(const struct checkpoint *c, struct buf *out);
/* Parse text[0..n) into c (which must be initialised). Returns 0, or -1
 * when it is not a checkpoint of this version (c then holds nothing). */
int checkpoint_parse(const char *text, size_t n, struct checkpoint *c);

/* Read path: returns 1 loaded, 0 no such file, -1 unreadable or malformed
 * (message in why). */
int checkpoint_load(const char *path, struct checkpoint *c, char *why, size_t n);
/* Write path atomically: a temporary file beside it, fsync, rename, fsync
 * of the directory. Returns 0, or -1 with a message in why. */
int checkpoint_save(const char *path, const struct checkpoint *c, char *why, size_t n);

/* FNV-1a over the words of the command and each input's path, size and
 * modification time: a changed setting or input gives another value. */
unsigned long long checkpoint_fingerprint(const char *const *words, size_t nwords,
                                          const char *const *inputs, size_t ninputs);

#endif
