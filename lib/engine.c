/* The event loop, shaped like redis's ae.c: each turn reads input while
 * there is room, writes what the queue releases, then waits in one place
 * (the HTTP engine's poll, with the input and the signal pipe beside it)
 * until the earliest of: network activity, input, a signal, or the next
 * timer; then it dispatches what happened to flow.c. The loop knows nothing
 * of a record's insides.
 *
 * A record's way: a line read from input (input.h) takes a queue slot and
 * becomes a record (record.h), QUEUED; it is checked and its request built
 * (check.h); it starts, IN_FLIGHT, on a transfer of the HTTP engine
 * (http.h), with a deadline timer (timers.h) beside libcurl's own timeout;
 * its result (outcome.h) makes it DONE, with its output line rendered
 * (render.h); the queue (queue.h) says when it may leave, in input or
 * completion order, and it leaves through the sinks (sinks.h): the output,
 * and --errors for failures. The slot is then FREE for the next line. */
#include "enrich.h"

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fdlimit.h"
#include "flow.h"
#include "http.h"
#include "jsonvalid.h"
#include "run.h"
#include "say.h"

#define MAX_LINE ((size_t)1 << 30) /* 1 GiB: a 50 MB record is ordinary */
#define MAX_URL ((size_t)1 << 20)
/* The longest wait with nothing due: the loop sleeps until something
 * happens, and wakes at least this often all the same. */
#define WAIT_CAP_MS (60 * 60 * 1000)

/* ---- signals -------------------------------------------------------- */

/* Take note of signals; act_on_signals does what they ask, from the loop. */
static void read_signals(struct run *run)
{
    unsigned char sig;
    while (read(run->o->signal_fd, &sig, 1) == 1) {
        run->signal_number = sig;
        run->stop_reading = 1;
        size_t held = run->queue ? queue_held(run->queue) : 0;
        /* At the default deadline, finishing can take a while: say so, or it
         * looks like a hang. */
        if (++run->signals == 1 && held > 0)
            say(run->o,
                "interrupted: finishing %zu record%s in flight; a second signal aborts them", held,
                held == 1 ? "" : "s");
    }
}

static void act_on_signals(struct run *run)
{
    if (run->signals < 2 || run->aborted)
        return;
    run->aborted = 1;
    if (run->http)
        flow_abort_in_flight(run);
    run_stop(run, ENRICH_INTERRUPTED);
}

/* The output's hook for a blocked write hit by a signal: a second signal
 * abandons the write. */
static int output_interrupted(void *ctx)
{
    struct run *run = ctx;
    if (run->o->signal_fd >= 0)
        read_signals(run);
    return run->signals >= 2;
}

/* ---- the loop ------------------------------------------------------- */

/* Admit lines while there is room and input can be read without waiting.
 * Returns 1 when it stopped for want of input that must be waited for. */
static int fill(struct run *run)
{
    char why[1200];
    while (!run->finished && !run->stop_reading && !run->input.done && !queue_full(run->queue)) {
        struct input_line line;
        struct failure too_long = {.kind = FAIL_INVALID_JSON};
        switch (input_next(&run->input, &line, why, sizeof(why))) {
        case INPUT_LINE: flow_admit(run, &line, NULL); break;
        case INPUT_TOO_LONG:
            fail_set(&too_long, FAIL_INVALID_JSON, "line longer than %zu bytes", run->max_line);
            flow_admit(run, &line, &too_long);
            break;
        case INPUT_WAIT: return 1;
        case INPUT_END: return 0;
        case INPUT_ERROR:
            say(run->o, "%s", why);
            run_stop(run, ENRICH_ABORTED);
            return 0;
        }
    }
    return 0;
}

/* Wait for the network, the input, a signal or the next timer; then hand
 * what happened to flow.c. */
static void wait_for_work(struct run *run)
{
    int fds[2];
    short revents[2] = {0, 0};
    size_t n = 0, input_at = 2, signal_at = 2;
    if (run->o->signal_fd >= 0)
        signal_at = n, fds[n++] = run->o->signal_fd;
    int in = input_fd(&run->input);
    if (in >= 0 && !run->stop_reading && !queue_full(run->queue))
        input_at = n, fds[n++] = in;
    long long wait = timers_wait_ms(run->timers, run_now(), WAIT_CAP_MS);
    if (run->http) {
        if (http_wait(run->http, fds, revents, n, (int)wait) < 0) {
            say(run->o, "libcurl failed while waiting");
            run_stop(run, ENRICH_ABORTED);
            return;
        }
    } else if (n > 0) {
        struct pollfd p[2];
        for (size_t i = 0; i < n; i++)
            p[i] = (struct pollfd){.fd = fds[i], .events = POLLIN};
        if (poll(p, n, -1) > 0)
            for (size_t i = 0; i < n; i++)
                revents[i] = p[i].revents;
    }
    if (signal_at < n && revents[signal_at])
        read_signals(run);
    if (input_at < n && revents[input_at])
        input_readable(&run->input);
    struct http_result res;
    /* After a stop (--on-error fail), transfers that finished alongside are
     * dropped with the rest: the run ended at the first failure. */
    while (run->http && !run->finished && http_next_done(run->http, &res))
        flow_result(run, &res);
    size_t slot;
    long long now = run_now();
    while (!run->finished && timers_pop_due(run->timers, now, &slot))
        flow_deadline(run, slot);
}

static void run_loop(struct run *run)
{
    while (!run->finished) {
        act_on_signals(run);
        if (run->finished)
            break;
        int starved = fill(run);
        flow_drain(run, 0);
        if (run->finished)
            break;
        int reading = !run->stop_reading && !run->input.done;
        if (queue_held(run->queue) == 0 && !reading)
            break;
        /* Input that can be read without waiting (a regular file, or lines
         * already buffered) is read on; signals are still heard meanwhile. */
        if (reading && !queue_full(run->queue) && !starved) {
            if (run->o->signal_fd >= 0)
                read_signals(run);
            continue;
        }
        if (sinks_flush(&run->sinks) < 0) {
            run_stop(run, run->sinks.trouble);
            break;
        }
        wait_for_work(run);
    }
}

/* ---- setup ---------------------------------------------------------- */

static int setup(struct run *run)
{
    const struct enrich_options *o = run->o;
    char err[1200];
    run->spec =
        request_spec_new(o->url, o->headers, o->nheaders, o->allow_missing, err, sizeof(err));
    if (!run->spec) {
        say(o, "%s", err);
        return -1;
    }
    if (input_check(o->inputs, o->ninputs, err, sizeof(err)) < 0) {
        say(o, "%s", err);
        return -1;
    }
    run->check = (struct check_spec){run->spec, o->into, o->error_into};
    run->render =
        (struct render_spec){o->into, o->error_into, o->on_error, o->dry_run, o->method, run->spec};
    run->outcome = (struct outcome_spec){&o->ok, o->timeout_ms, o->attempt_timeout_ms};
    return sinks_open(&run->sinks, o, output_interrupted, run);
}

static int allocate(struct run *run)
{
    const struct enrich_options *o = run->o;
    /* The most a response adds to a record: its body (at most
     * --max-response-size bytes) as JSON text, plus room for the member's
     * name and path or an error object. */
    size_t max_body = json_response_value_max(o->max_response_size) + MAX_URL;
    run->max_line = MAX_LINE;
    run->max_url = MAX_URL;
    run->max_out = MAX_LINE + max_body;
    input_init(&run->input, o->inputs, o->ninputs, MAX_LINE);
    run->queue = queue_new(o->capacity, !o->unordered || o->dry_run);
    run->records = calloc(o->capacity, sizeof(*run->records));
    run->timers = timers_new(o->capacity);
    if (!run->queue || !run->records || !run->timers)
        return -1;
    buf_init(&run->scratch, max_body + MAX_LINE);
    buf_init(&run->msg, MAX_URL);
    if (o->dry_run)
        return 0;
    /* Every connection is a descriptor: use what the hard limit allows, and
     * past it let requests wait for a connection rather than fail. The
     * smaller of that bound and --max-connections wins; only the limit's
     * needs a word, since the user did not ask for it. */
    unsigned long long nofile = fdlimit_raise();
    size_t open_now = fdlimit_open_count();
    size_t connections = fdlimit_connections(nofile, open_now); /* SIZE_MAX: no limit */
    size_t bound = connections;
    if (o->max_connections > 0 && o->max_connections < connections)
        bound = o->max_connections;
    else if (connections < o->capacity)
        say(o,
            "--capacity %zu is more than the open-file limit of %llu allows (%zu open already): "
            "at most %zu connections at once, other requests wait for one",
            o->capacity, nofile, open_now, connections);
    size_t n;
    const char *const *fixed = request_spec_static_headers(run->spec, &n);
    struct http_config cfg = {
        .transfers = o->capacity,
        .max_connections = bound == SIZE_MAX ? 0 : bound,
        .max_host_connections = o->max_host_connections,
        .http2_prior_knowledge = o->http2_prior_knowledge,
        .method = o->method,
        .connect_timeout_ms = o->connect_timeout_ms,
        .follow_redirects = o->follow_redirects,
        .max_body = o->max_response_size,
        .headers = fixed,
        .nheaders = fixed ? n : 0,
        .user_agent = "enrich/" ENRICH_VERSION,
    };
    run->http = http_new(&cfg);
    return run->http ? 0 : -1;
}

static void teardown(struct run *run)
{
    http_free(run->http);
    for (size_t i = 0; run->records && i < run->o->capacity; i++)
        record_free(&run->records[i]);
    free(run->records);
    queue_free(run->queue);
    timers_free(run->timers);
    request_spec_free(run->spec);
    buf_free(&run->scratch);
    buf_free(&run->msg);
    input_close(&run->input);
}

/* After the loop: write what completed before an interruption or the
 * failure that stopped the run, account for what was not written, close. */
static void wind_up(struct run *run)
{
    act_on_signals(run);
    if ((run->status == ENRICH_INTERRUPTED || run->fail_slot >= 0) && run->queue)
        flow_drain(run, 1);
    int pipe_gone = run->finished && run->status == ENRICH_BROKEN_PIPE;
    if (!pipe_gone && !run->sinks.out.error && sinks_flush(&run->sinks) < 0)
        run_stop(run, run->sinks.trouble);
    if (run->finished && run->status != ENRICH_BROKEN_PIPE)
        flow_report_unwritten(run);
    sinks_close(&run->sinks, !run->finished);
    if (run->sinks.trouble != ENRICH_OK)
        run_stop(run, run->sinks.trouble);
}

enum enrich_status enrich_run(const struct enrich_options *o, int *signal_number)
{
    struct run run;
    memset(&run, 0, sizeof(run));
    run.o = o;
    run.status = ENRICH_OK;
    run.fail_slot = -1;
    if (setup(&run) < 0) {
        sinks_close(&run.sinks, 0);
        teardown(&run);
        return ENRICH_USAGE;
    }
    if (allocate(&run) < 0) {
        say(o, "out of memory");
        run_stop(&run, ENRICH_ABORTED);
    }
    run_loop(&run);
    wind_up(&run);
    teardown(&run);
    if (signal_number)
        *signal_number = run.signal_number;
    if (run.finished)
        return run.status;
    if (run.signals)
        return ENRICH_INTERRUPTED;
    return run.failed ? ENRICH_SOME_FAILED : ENRICH_OK;
}

const char *enrich_curl_version(void)
{
    return http_version();
}
