/* One run's state, shared by the loop (engine.c) and by what happens to
 * records on each event (flow.c). Private to the library.
 *
 * Who owns what: the run owns the queue, the records (one per queue slot,
 * indexed by slot), the timers (record deadlines, by slot), the HTTP engine
 * (NULL in a dry run), the input and the sinks. A record owns its buffers
 * and its request; the HTTP engine owns each transfer and its response body
 * until the result has been read. */
#ifndef ENRICH_RUN_H
#define ENRICH_RUN_H

#include <stddef.h>

#include "buf.h"
#include <stdint.h>

#include "cache.h"
#include "check.h"
#include "commit.h"
#include "enrich.h"
#include "gate.h"
#include "http.h"
#include "input.h"
#include "outcome.h"
#include "progress.h"
#include "queue.h"
#include "record.h"
#include "render.h"
#include "request.h"
#include "sinks.h"
#include "stats.h"
#include "timers.h"

struct run {
    const struct enrich_options *o; /* &opts */
    /* The caller's options, copied so that messages pass through the engine
     * (which erases the status line first); caller is the original. */
    struct enrich_options opts;
    const struct enrich_options *caller;
    struct request_spec *spec;
    struct check_spec check;
    struct render_spec render;
    struct outcome_spec outcome;
    struct redact redact; /* what messages and a dry run never show */
    struct queue *queue;
    struct record *records; /* slots of them: capacity, plus the reorder window */
    size_t slots;
    struct timers *timers; /* one per record (by slot), the gate's and the status line's */
    size_t gate_timer;
    size_t progress_timer;
    struct gate *gate; /* records ready to start wait here (rate, host pauses) */
    size_t *starting;  /* gate_release's work space: slots of them */
    struct http *http;
    struct cache *cache; /* --cache, else NULL */
    struct input input;
    struct sinks sinks;
    struct buf scratch; /* work space for rendering */
    struct buf msg;     /* work space for messages */
    /* The response flow_result is handling while its record finishes (an
     * http failure's error object carries its body), else NULL. */
    const struct render_body *response;
    size_t max_line, max_out, max_url;
    unsigned long long admitted; /* records admitted so far: the next one's seq */
    size_t active;               /* records queued, in flight or waiting for a retry */
    size_t window_bytes;         /* output held by done records waiting for their turn */
    size_t window_bytes_max;
    unsigned long done;   /* records finished, succeeded or failed */
    unsigned long failed; /* of those, failed */
    unsigned long retries;
    uint64_t rng; /* jitter's random source */
    struct stats stats;
    struct progress progress;
    long long started_ms;
    int output_is_tty; /* the output may share the status line's terminal */
    /* How the run ends. */
    int stop_reading; /* a signal or --on-error fail: no more input */
    int signals, signal_number;
    int aborted;  /* a second signal was acted on */
    int finished; /* the loop must end now, with status */
    enum enrich_status status;
    long fail_slot; /* --on-error fail: the record that stopped the run, or -1 */
                    /* --checkpoint */
    int checkpointing;
    int already_done; /* the checkpoint says the run finished: do nothing */
    struct commit commit;
};

/* Stop the run with status st (the first reason wins). */
void run_stop(struct run *run, enum enrich_status st);
/* Is the record in slot done (the queue's question in ordered mode)? ctx is
 * the run. */
int run_record_done(const void *ctx, size_t slot);
/* Milliseconds on the monotonic clock. */
long long run_now(void);

#endif
