/* What happens to records on each event; see flow.h. */
#include "flow.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "retry.h"
#include "say.h"

/* The deadline timer of a record in flight fires this long after the
 * deadline: libcurl's own timeout (CURLOPT_TIMEOUT_MS) ends the attempt at
 * the deadline, and the timer only backs it up. */
#define DEADLINE_GRACE_MS 50

static size_t slot_of(const struct run *run, const struct record *r)
{
    return (size_t)(r - run->records);
}

/* Has --max-failures been reached? */
static int too_many_failures(const struct run *run)
{
    const struct enrich_options *o = run->o;
    if (o->max_failures > 0)
        return run->failed >= o->max_failures;
    return o->max_failures_percent > 0 && run->done >= 100 &&
           100.0 * (double)run->failed >= o->max_failures_percent * (double)run->done;
}

/* Stop the run at r, as --on-error fail does: what completed before r in
 * output order is still written, r and the rest go to --errors. */
static void stop_at(struct run *run, struct record *r)
{
    if (!run->finished)
        run->fail_slot = (long)slot_of(run, r);
    run_stop(run, ENRICH_ABORTED);
}

/* The line and --errors copy of a failed record, and --on-error fail. */
static void failed(struct run *run, struct record *r)
{
    const struct enrich_options *o = run->o;
    run->failed++;
    char why[64] = "";
    if (o->on_error == ENRICH_FAIL)
        snprintf(why, sizeof(why), " (stopping: --on-error fail)");
    else if (too_many_failures(run))
        snprintf(why, sizeof(why), " (stopping: --max-failures reached, %lu of %lu failed)",
                 run->failed, run->done);
    char tries[32] = "";
    if (r->attempts > 1)
        snprintf(tries, sizeof(tries), " (after %d attempts)", r->attempts);
    say(o, "%s:%lu: %s: %s%s%s", r->input, r->lineno, fail_kind_name(r->fail.kind), r->fail.message,
        tries, why);
    int rc = render_failed(&run->render, r, run->response, &run->scratch, &r->out);
    r->emit = rc == 1;
    /* --errors gets lines in output order, so a replay keeps input order; a
     * run that stops here copies it with the other unwritten records. */
    r->to_errors = run->sinks.have_errors && !r->uncopyable;
    if (why[0])
        stop_at(run, r);
}

static void make_ready(struct run *run, struct record *r);

/* --cache: r, done, leaves the in-flight table. If it led followers that
 * it did not answer, the first of them makes the request now. */
static void hand_on(struct run *run, size_t slot)
{
    long heir = cache_leave(run->cache, slot);
    if (heir >= 0)
        make_ready(run, &run->records[heir]);
}

/* r is done, succeeded or failed: it may leave once the queue says so.
 * hand: with --cache, a leader hands its followers on (not when its result
 * answers them: they are answered after it). */
static void finish_handing(struct run *run, struct record *r, int hand)
{
    if (record_finish(r) < 0)
        return;
    size_t slot = slot_of(run, r);
    if (run->cache && hand)
        hand_on(run, slot);
    timers_cancel(run->timers, slot);
    gate_remove(run->gate, slot);
    run->active--;
    run->done++;
    stats_finished(&run->stats, r->fail.kind);
    if (r->fail.kind != FAIL_NONE)
        failed(run, r);
    else if (run->o->max_failures_percent > 0 && too_many_failures(run))
        stop_at(run, r);
    /* Until it may leave, its output line counts against the window. */
    r->held_bytes = r->emit ? r->out.len : 0;
    run->window_bytes += r->held_bytes;
    queue_done(run->queue, slot);
}

static void finish(struct run *run, struct record *r)
{
    finish_handing(run, r, 1);
}

/* The URL the per-host counts go by: only --stats reports them, so without
 * it no host key is worked out for every request. */
static const char *stats_url(const struct run *run, const struct record *r)
{
    return run->o->stats ? r->req.url.data : NULL;
}

/* r may start its next attempt once the gate lets it through. */
static void make_ready(struct run *run, struct record *r)
{
    size_t slot = slot_of(run, r);
    gate_push(run->gate, slot);
    timers_set(run->timers, slot, r->deadline_ms);
}

static void start_attempt(struct run *run, struct record *r)
{
    long long now = run_now();
    long long left = r->deadline_ms - now;
    if (left <= 0) {
        fail_set(&r->fail, FAIL_TIMEOUT, "the record's deadline passed before the request started");
        finish(run, r);
        return;
    }
    long budget = (long)left;
    long attempt = run->o->attempt_timeout_ms;
    r->attempt_bound = attempt > 0 && attempt < budget;
    if (r->attempt_bound)
        budget = attempt;
    memset(&r->fail, 0, sizeof(r->fail));
    r->emit = 0;
    size_t n;
    const char *const *fixed = request_spec_static_headers(run->spec, &n);
    const char *const *headers = fixed ? NULL : r->req.headers;
    if (record_start(r) < 0 ||
        /* The body is borrowed: r->req is rebuilt only when the slot takes
         * its next record, after this transfer has ended. */
        (r->transfer = http_start(run->http, slot_of(run, r), r->req.url.data, headers,
                                  r->req.nheaders, r->req.body, r->req.body_len, budget)) < 0) {
        say(run->o, "%s:%lu: out of memory starting a request", r->input, r->lineno);
        run_stop(run, ENRICH_ABORTED);
        return;
    }
    stats_request(&run->stats, stats_url(run, r));
    r->attempt_started_ms = now;
    timers_set(run->timers, slot_of(run, r), r->deadline_ms + DEADLINE_GRACE_MS);
}

/* The response res as render_response and an error object read it. */
static struct render_body body_of(const struct http_result *res)
{
    return (struct render_body){res->body ? res->body->data : NULL,
                                res->body ? res->body->len : 0,
                                res->content_type,
                                res->status,
                                res->ms,
                                res->too_large};
}

/* What res means for r: its failure, or its output line. Sets *empty as
 * render_response does. */
static void settle(struct run *run, struct record *r, const struct http_result *res,
                   int attempt_bound, const struct render_body *body, int *empty)
{
    const struct enrich_options *o = run->o;
    *empty = 0;
    if (outcome_classify(&run->outcome, res, attempt_bound, &r->fail)) {
        struct render_shape shape = {o->select, o->merge, o->meta};
        r->emit =
            render_response(&run->render, &shape, r, body, &run->scratch, &r->out, &r->fail, empty);
    }
}

/* --cache: r made no request of its own; res (its leader's last attempt,
 * or a stored response) answers it as its own attempt would have, with no
 * retry: the leader's retries were its retries. */
static void answer(struct run *run, struct record *r, const struct http_result *res,
                   int attempt_bound)
{
    struct render_body body = body_of(res);
    int empty;
    settle(run, r, res, attempt_bound, &body, &empty);
    const struct render_body *before = run->response;
    run->response = &body;
    finish(run, r);
    run->response = before;
}

/* --cache: a stored response answers r at once, or r waits for the
 * identical request in flight (holding its slot; its deadline still runs).
 * Returns 1 then, 0 when r is to make the request itself (it leads). */
static int from_cache(struct run *run, struct record *r)
{
    const struct enrich_options *o = run->o;
    size_t slot = slot_of(run, r);
    size_t n;
    /* The configured headers are the same for every request: only
     * templated ones tell requests apart (r's lines are all of them then). */
    const char *const *own = request_spec_static_headers(run->spec, &n) ? NULL : r->req.headers;
    if (cache_key(run->cache, slot, o->method, r->req.url.data, own, own ? r->req.nheaders : 0,
                  r->req.body, r->req.body_len) < 0)
        return 0; /* out of memory for the key: it goes uncached */
    const struct cache_response *hit = cache_get(run->cache, slot, run_now());
    if (hit) {
        run->stats.cache_hits++;
        if (o->verbose) {
            buf_reset(&run->msg);
            redact_url(&run->redact, r->req.url.data, &run->msg);
            say(o, "%s:%lu: cache hit: %s %s -> %ld", r->input, r->lineno,
                o->method ? o->method : "GET", run->msg.data ? run->msg.data : "", hit->status);
        }
        struct http_result res = {.owner = slot,
                                  .outcome = HTTP_DONE,
                                  .status = hit->status,
                                  .ms = hit->ms,
                                  .body = hit->body,
                                  .content_type = hit->content_type};
        answer(run, r, &res, 0);
        return 1;
    }
    long leader = cache_join(run->cache, slot);
    if (leader < 0)
        return 0;
    run->stats.cache_coalesced++;
    if (o->verbose)
        say(o, "%s:%lu: coalesced: waits for the identical request of %s:%lu", r->input, r->lineno,
            run->records[leader].input, run->records[leader].lineno);
    timers_set(run->timers, slot, r->deadline_ms);
    return 1;
}

/* --cache: the leader r's last attempt ended with res and no retry follows.
 * A success is stored. Returns 1 when res answers r's followers too: unless
 * r's own deadline ended it; then the followers, whose deadlines are their
 * own, go on waiting and the first of them makes the request (hand_on). */
static int store_result(struct run *run, struct record *r, const struct http_result *res, int empty)
{
    size_t slot = slot_of(run, r);
    if (r->fail.kind == FAIL_NONE && !(empty && run->o->retry.on.empty)) {
        struct cache_response stored = {res->status, res->ms, res->content_type, res->body};
        /* Out of memory only means it is not stored: the followers still get it. */
        (void)cache_put(run->cache, slot, &stored, run_now());
    }
    return !(r->fail.kind == FAIL_TIMEOUT && !r->attempt_bound);
}

/* --cache: the leader r, finished, answers its followers with res, in the
 * order they came, and leaves the in-flight table. */
static void answer_followers(struct run *run, struct record *r, const struct http_result *res)
{
    size_t slot = slot_of(run, r);
    long f;
    while ((f = cache_next_follower(run->cache, slot)) >= 0)
        answer(run, &run->records[f], res, r->attempt_bound);
    (void)cache_leave(run->cache, slot);
}

void flow_admit(struct run *run, const struct input_line *line, const struct failure *preset)
{
    long s = queue_admit(run->queue);
    if (s < 0) {
        /* The loop admits only while there is room: this is a bug, not input. */
        say(run->o, "%s:%lu: no free slot for a new record", line->name, line->lineno);
        run_stop(run, ENRICH_ABORTED);
        return;
    }
    struct record *r = &run->records[s];
    struct record_origin from = {line->index,  line->name,      line->lineno,
                                 line->offset, run->admitted++, run_now() + run->o->timeout_ms};
    if (record_admit(r, &from, line->p, line->n, run->max_line, run->max_out, run->max_url) < 0) {
        say(run->o, "%s:%lu: out of memory reading a line of %zu bytes", line->name, line->lineno,
            line->n);
        run_stop(run, ENRICH_ABORTED);
        return;
    }
    run->active++;
    if (preset) {
        r->uncopyable = 1;
        r->fail = *preset;
    } else if (check_record(&run->check, r->line.data, r->line.len, &r->req, &r->fail) == 0) {
        if (!run->o->dry_run) {
            if (!run->cache || !from_cache(run, r))
                make_ready(run, r);
            return;
        }
        r->emit = render_dry_run(&run->render, r, &run->scratch, &r->out) == 1;
        if (!r->emit) {
            say(run->o, "out of memory");
            run_stop(run, ENRICH_ABORTED);
        }
    }
    finish(run, r);
}

void flow_start_ready(struct run *run)
{
    long long now = run_now();
    size_t n = gate_release(run->gate, now, run->starting, run->slots);
    for (size_t i = 0; i < n && !run->finished; i++)
        start_attempt(run, &run->records[run->starting[i]]);
    long long wake = gate_wake_at(run->gate, now);
    if (wake >= 0)
        timers_set(run->timers, run->gate_timer, wake);
    else
        timers_cancel(run->timers, run->gate_timer);
}

static void say_attempt(struct run *run, const struct record *r, long status, double ms,
                        const char *then)
{
    struct buf *b = &run->msg;
    buf_reset(b);
    redact_url(&run->redact, r->req.url.data, b);
    const char *method = run->o->method ? run->o->method : "GET";
    const char *url = b->data ? b->data : "";
    if (r->fail.kind == FAIL_NONE)
        say(run->o, "%s:%lu: attempt %d: %s %s -> %ld (%.1f ms)%s", r->input, r->lineno,
            r->attempts, method, url, status, ms, then);
    else
        say(run->o, "%s:%lu: attempt %d: %s %s -> %s: %s (%.1f ms)%s", r->input, r->lineno,
            r->attempts, method, url, fail_kind_name(r->fail.kind), r->fail.message, ms, then);
}

static long long wall_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The attempt that ended with res failed (or its result is empty): ask the
 * policy whether another follows. Returns 1 when r now waits for a retry. */
static int retry_or_not(struct run *run, struct record *r, const struct http_result *res, int empty)
{
    long long now = run_now();
    struct retry_attempt a = {r->attempts, r->fail.kind, res->status, empty, res->retry_after};
    struct retry_decision d = retry_decide(&run->o->retry, &a, now, r->deadline_ms, wall_now_ms(),
                                           retry_random(&run->rng));
    if (d.pause_host) {
        char key[HOSTPAUSE_KEY_MAX];
        if (hostpause_key(r->req.url.data, key, sizeof(key)) == 0)
            gate_pause(run->gate, key, d.pause_until, now);
    }
    char then[96] = "";
    if (d.verdict == RETRY_YES)
        snprintf(then, sizeof(then), "; retry %d in %ld ms%s", r->attempts, d.delay_ms,
                 d.retry_after ? " (Retry-After)" : "");
    else if (d.verdict == RETRY_NO_ROOM || d.verdict == RETRY_EXHAUSTED)
        snprintf(then, sizeof(then), "; not retried: %s", retry_verdict_text(d.verdict));
    if (run->o->verbose)
        say_attempt(run, r, res->status, res->ms, then);
    if (d.verdict == RETRY_YES && record_retry(r) == 0) {
        run->retries++;
        timers_set(run->timers, slot_of(run, r), d.due);
        return 1;
    }
    if (d.verdict == RETRY_NO_ROOM && r->fail.kind != FAIL_NONE) {
        size_t len = strlen(r->fail.message);
        snprintf(r->fail.message + len, sizeof(r->fail.message) - len, "%s",
                 "; the deadline left no room for a retry");
    }
    return 0;
}

void flow_result(struct run *run, const struct http_result *res)
{
    struct record *r = &run->records[res->owner];
    if (r->state != REC_IN_FLIGHT || r->transfer != (long)res->transfer) {
        http_release(run->http, res->transfer); /* its record ended meanwhile */
        return;
    }
    const struct enrich_options *o = run->o;
    struct render_body body = body_of(res);
    int empty;
    settle(run, r, res, r->attempt_bound, &body, &empty);
    int waits = 0;
    if (r->fail.kind != FAIL_NONE || (empty && o->retry.on.empty))
        waits = retry_or_not(run, r, res, empty);
    else if (o->verbose)
        say_attempt(run, r, res->status, res->ms, "");
    stats_response(&run->stats, stats_url(run, r), res->ms, res->body ? res->body->len : 0,
                   r->fail.kind != FAIL_NONE);
    r->transfer = -1;
    /* The response stays readable until its record is done with it: an http
     * failure's error object carries its body. */
    if (!waits) {
        int share = run->cache && cache_in_flight(run->cache, slot_of(run, r)) &&
                    store_result(run, r, res, empty);
        run->response = &body;
        finish_handing(run, r, !share);
        if (share)
            answer_followers(run, r, res);
        run->response = NULL;
    }
    http_release(run->http, res->transfer);
}

void flow_timer(struct run *run, size_t owner)
{
    if (owner == run->gate_timer)
        return; /* the loop lets the gate release next */
    struct record *r = &run->records[owner];
    switch (r->state) {
    case REC_WAITING:
        /* The retry delay is over. */
        if (record_wake(r) == 0)
            make_ready(run, r);
        return;
    case REC_IN_FLIGHT:
        http_cancel(run->http, (size_t)r->transfer);
        r->transfer = -1;
        fail_set(&r->fail, FAIL_TIMEOUT, "record deadline of %ld ms exceeded", run->o->timeout_ms);
        if (run->o->verbose)
            say_attempt(run, r, 0, (double)(run_now() - r->attempt_started_ms), "");
        break;
    case REC_QUEUED:
        /* Never let through in time (a rate limit, a paused host). */
        fail_set(&r->fail, FAIL_TIMEOUT, "record deadline of %ld ms exceeded", run->o->timeout_ms);
        break;
    default: return;
    }
    finish(run, r);
}

static int by_seq(const void *a, const void *b)
{
    const struct record *x = *(const struct record *const *)a;
    const struct record *y = *(const struct record *const *)b;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* The records held (in flight, or done and not yet written), oldest first.
 * Returns an array to free, or NULL when there are none or no memory. */
static struct record **held_in_order(struct run *run, size_t *count)
{
    *count = 0;
    struct record **held = run->queue ? calloc(run->slots, sizeof(*held)) : NULL;
    for (size_t i = 0; held && i < run->slots; i++)
        if (run->records[i].state != REC_FREE)
            held[(*count)++] = &run->records[i];
    if (held)
        qsort(held, *count, sizeof(*held), by_seq);
    return held;
}

void flow_abort_in_flight(struct run *run)
{
    size_t count;
    struct record **held = held_in_order(run, &count);
    /* Reported in input order; they leave (to --errors) in output order. */
    for (size_t i = 0; held && i < count; i++) {
        struct record *r = held[i];
        /* In flight, waiting for a retry, or waiting to start: not done. */
        if (r->state == REC_DONE)
            continue;
        if (r->transfer >= 0)
            http_cancel(run->http, (size_t)r->transfer);
        r->transfer = -1;
        fail_set(&r->fail, FAIL_INTERRUPTED, "aborted by a second signal while in flight");
        say(run->o, "%s:%lu: interrupted: aborted by a second signal while in flight", r->input,
            r->lineno);
        r->to_errors = run->sinks.have_errors && !r->uncopyable;
        r->emit = 0;
        if (record_finish(r) == 0) {
            stats_finished(&run->stats, r->fail.kind);
            size_t slot = slot_of(run, r);
            if (run->cache)
                (void)cache_leave(run->cache, slot); /* the followers are aborted too */
            timers_cancel(run->timers, slot);
            gate_remove(run->gate, slot);
            run->active--;
            queue_done(run->queue, slot);
        }
    }
    free(held);
}

void flow_drain(struct run *run, int after_stop)
{
    long s;
    while ((!run->finished || after_stop) && !run->sinks.out.error &&
           (s = queue_ready(run->queue, run_record_done, run)) >= 0) {
        if (after_stop && s == run->fail_slot)
            break;
        struct record *r = &run->records[s];
        int rc = sinks_write(&run->sinks, r);
        if (run->sinks.trouble != ENRICH_OK)
            run_stop(run, run->sinks.trouble);
        if (rc < 0)
            break; /* r stays held: it was not written */
        stats_left(&run->stats, r->emit, r->out.len);
        run->window_bytes -= r->held_bytes;
        r->held_bytes = 0;
        if (run->checkpointing) {
            /* Out of order (unordered mode): a resume must skip it. */
            if (queue_oldest(run->queue) != s)
                commit_left_early(&run->commit,
                                  (struct ckpt_pos){r->input_index, r->offset, r->lineno - 1});
            commit_count(&run->commit);
        }
        record_release(r);
        queue_release(run->queue, (size_t)s);
    }
}

void flow_report_unwritten(struct run *run)
{
    size_t count;
    struct record **held = held_in_order(run, &count);
    sinks_report_unwritten(&run->sinks, held, held ? count : 0);
    free(held);
}

/* --checkpoint: make what has left durable and say so in the checkpoint.
 * done: the run finished, with status. */
void flow_commit(struct run *run, int done, enum enrich_status status)
{
    char why[1200];
    if (sinks_sync(&run->sinks) < 0) {
        run_stop(run, run->sinks.trouble);
        return;
    }
    /* Every record before the oldest one still held has left. */
    struct ckpt_pos at;
    long s = run->queue ? queue_oldest(run->queue) : -1;
    if (s >= 0) {
        const struct record *r = &run->records[s];
        at = (struct ckpt_pos){r->input_index, r->offset, r->lineno - 1};
    } else {
        input_position(&run->input, &at.input, &at.offset, &at.lineno);
    }
    unsigned long long errors_len =
        run->sinks.have_errors ? (unsigned long long)run->sinks.errors.committed : 0;
    if (commit_write(&run->commit, at, (unsigned long long)run->sinks.out.committed, errors_len,
                     done, (int)status, run_now(), why, sizeof(why)) < 0) {
        say(run->o, "%s", why);
        run_stop(run, ENRICH_ABORTED);
    }
}
