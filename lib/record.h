/* A record: one input line on its way to one output line, and the only
 * place that knows where it is on that way.
 *
 *   FREE ──admit──> QUEUED ──start──> IN_FLIGHT ──finish──> DONE ──release──> FREE
 *                     │  ^                │                   ^
 *                     │  └────wake─── WAITING <──retry──┘     │
 *                     └──────────finish (failed before any request, or timed out)
 *
 * QUEUED holds a capacity slot while the record waits to start (today it
 * starts at once; later: a rate token, a paused host, an identical request
 * in flight). WAITING is a retry delay. Any state but FREE may finish: a
 * deadline or an abort ends a record wherever it is. Each transition is one
 * function that refuses (returns -1, changing nothing) when the record is
 * not in a state the event leaves from; the table is record_next_state.
 *
 * A record owns its buffers (the line, its request, its output line); they
 * are allocated on the slot's first use and reused after that. */
#ifndef ENRICH_RECORD_H
#define ENRICH_RECORD_H

#include <stddef.h>

#include "buf.h"
#include "failure.h"
#include "request.h"

enum record_state { REC_FREE, REC_QUEUED, REC_IN_FLIGHT, REC_WAITING, REC_DONE, REC_INVALID };

enum record_event { REV_ADMIT, REV_START, REV_RETRY, REV_WAKE, REV_FINISH, REV_RELEASE };

struct record {
    enum record_state state;
    const char *input;            /* borrowed: the input's display name */
    size_t input_index;           /* which input (FILE argument, 0-based) */
    unsigned long lineno;         /* physical line in that input, from 1 */
    unsigned long long offset;    /* byte offset of the line in that input */
    unsigned long long seq;       /* admission order */
    long long deadline_ms;        /* the whole record's, from admission */
    int attempts;                 /* requests started */
    long long attempt_started_ms; /* when the last one started */
    int attempt_bound;            /* its own timeout, not the deadline, bounded it */
    long transfer;                /* the HTTP transfer of the attempt in flight, or -1 */
    size_t held_bytes;            /* done: the output it holds in the reorder window */
    struct buf line;              /* the input line, verbatim */
    struct request req;
    struct buf out; /* the output line, when emit */
    int emit;       /* out is to be written */
    int to_errors;  /* append the line to --errors when the record leaves */
    int copied;     /* the line is in --errors already */
    int uncopyable; /* an over-long line: nothing of it was kept */
    int ready;      /* buffers initialised */
    struct failure fail;
};

/* The state after event in state s, or REC_INVALID if s does not allow it. */
enum record_state record_next_state(enum record_state s, enum record_event event);
const char *record_state_name(enum record_state s);

/* Where a new record comes from. */
struct record_origin {
    size_t input_index;
    const char *input;
    unsigned long lineno;
    unsigned long long offset;
    unsigned long long seq;
    long long deadline_ms;
};

/* FREE -> QUEUED with a copy of line[0..n) (max_line, max_out and max_url
 * bound the buffers, set up on first use). Returns 0, -1 when refused or out
 * of memory (then the record stays FREE). */
int record_admit(struct record *r, const struct record_origin *from, const char *line, size_t n,
                 size_t max_line, size_t max_out, size_t max_url);
/* QUEUED -> IN_FLIGHT: an attempt starts (attempts counts it). */
int record_start(struct record *r);
/* IN_FLIGHT -> WAITING: the attempt failed and another will follow. */
int record_retry(struct record *r);
/* WAITING -> QUEUED: the retry delay is over. */
int record_wake(struct record *r);
/* Any state but FREE -> DONE: succeeded (r->fail.kind is FAIL_NONE) or failed. */
int record_finish(struct record *r);
/* DONE -> FREE: it left (written, dropped or copied). Buffers are kept. */
int record_release(struct record *r);

/* Free the buffers of a record that was ever used. */
void record_free(struct record *r);

#endif
