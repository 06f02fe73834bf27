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
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "atomicfile.h"

#include "fdlimit.h"
#include "flow.h"
#include "http.h"
#include "jsonvalid.h"
#include "run.h"
#include "say.h"
#include "writeall.h"

#define MAX_LINE ((size_t)1 << 30) /* 1 GiB: a 50 MB record is ordinary */
#define MAX_URL ((size_t)1 << 20)
/* The longest wait with nothing due: the loop sleeps until something
 * happens, and wakes at least this often all the same. */
#define WAIT_CAP_MS (60 * 60 * 1000)
/* The reorder window's bound in bytes: done records waiting for an earlier
 * one hold at most about this much output before input stops. */
#define WINDOW_BYTES ((size_t)64 << 20)
/* How often --progress redraws its line: a few times a second. */
#define PROGRESS_EVERY_MS 200

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

/* ---- seeing the run ------------------------------------------------- */

/* The counts the run keeps itself, into the stats. */
static void stats_sync(struct run *run)
{
    run->stats.read = run->admitted;
    run->stats.retries = run->retries;
}

static double seconds_since_start(const struct run *run)
{
    return (double)(run_now() - run->started_ms) / 1000.0;
}

/* Draw the status line and set the timer for the next time. */
static void progress_tick(struct run *run)
{
    stats_sync(run);
    struct winsize ws;
    struct progress_now now = {run->http ? http_in_flight(run->http) : 0, seconds_since_start(run),
                               0};
    if (ioctl(run->progress.fd, TIOCGWINSZ, &ws) == 0)
        now.width = ws.ws_col;
    char line[256];
    size_t n = progress_format(&run->stats, &now, line, sizeof(line));
    progress_draw(&run->progress, line, n);
    timers_set(run->timers, run->progress_timer, run_now() + PROGRESS_EVERY_MS);
}

/* The caller's message callback, behind the engine: the status line is
 * erased first, so a message never lands in the middle of it; the next tick
 * draws it again below the message. */
static void say_over_progress(void *ctx, const char *line)
{
    struct run *run = ctx;
    progress_erase(&run->progress);
    run->caller->message(run->caller->message_ctx, line);
}

static int is_done(const void *ctx, size_t slot)
{
    const struct run *run = ctx;
    return run->records[slot].state == REC_DONE;
}

/* An output line is about to be written on the terminal that shows the
 * status line: erase it first, as for a message. */
static void progress_before_output(struct run *run)
{
    if (run->progress.shown && run->output_is_tty && queue_ready(run->queue, is_done, run) >= 0)
        progress_erase(&run->progress);
}

/* --stats: the text, onto stats_fd or into stats_path. A failure to write
 * it fails the run (exit 3): a cron job must learn that its stats are
 * missing. */
static void write_stats(struct run *run)
{
    const struct enrich_options *o = run->o;
    stats_sync(run);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct stats_time t = {seconds_since_start(run), (double)ts.tv_sec + ts.tv_nsec / 1e9};
    struct buf text;
    buf_init(&text, (size_t)16 << 20);
    char *json = NULL;
    const char *p = NULL;
    size_t n = 0;
    if (o->stats_format == ENRICH_STATS_PROMETHEUS) {
        if (stats_prometheus(&run->stats, &t, &text) == 0)
            p = text.data, n = text.len;
    } else if ((json = stats_json(&run->stats, &t))) {
        p = json, n = strlen(json);
    }
    char why[1200];
    if (!p) {
        say(o, "--stats: out of memory");
        run_stop(run, ENRICH_ABORTED);
    } else if (o->stats_path) {
        if (atomicfile_write(o->stats_path, p, n, why, sizeof(why)) < 0) {
            say(o, "--stats: %s", why);
            run_stop(run, ENRICH_ABORTED);
        }
    } else if (o->stats_fd >= 0) {
        (void)write_all(o->stats_fd, p, n); /* stderr: nowhere to report a failure */
    }
    free(json);
    buf_free(&text);
}

/* ---- the loop ------------------------------------------------------- */

/* Room for another record: fewer than --capacity records active (queued,
 * in flight or waiting for a retry), and done records waiting for their turn
 * within the reorder window, in number (the queue's slots) and in bytes. */
static int has_room(const struct run *run)
{
    return !queue_full(run->queue) && run->active < run->o->capacity &&
           run->window_bytes <= run->window_bytes_max;
}

/* Admit lines while there is room and input can be read without waiting.
 * Returns 1 when it stopped for want of input that must be waited for. */
static int fill(struct run *run)
{
    char why[1200];
    while (!run->finished && !run->stop_reading && !run->input.done && has_room(run)) {
        struct input_line line;
        struct failure too_long = {.kind = FAIL_INVALID_JSON};
        switch (input_next(&run->input, &line, why, sizeof(why))) {
        case INPUT_LINE:
            /* Resuming: a record that left out of order last time is done. */
            if (run->commit.resuming &&
                checkpoint_skips(&run->commit.loaded, line.index, line.offset))
                break;
            flow_admit(run, &line, NULL);
            break;
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
    if (in >= 0 && !run->stop_reading && has_room(run))
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
        if (poll(p, n, (int)wait) > 0)
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
    while (!run->finished && timers_pop_due(run->timers, now, &slot)) {
        if (slot == run->progress_timer)
            progress_tick(run);
        else
            flow_timer(run, slot);
    }
}

static void run_loop(struct run *run)
{
    while (!run->finished) {
        act_on_signals(run);
        if (run->finished)
            break;
        int starved = fill(run);
        if (run->http)
            flow_start_ready(run);
        progress_before_output(run);
        flow_drain(run, 0);
        if (run->checkpointing && commit_due(&run->commit, run_now()))
            flow_commit(run, 0, ENRICH_OK);
        if (run->finished)
            break;
        int reading = !run->stop_reading && !run->input.done;
        if (queue_held(run->queue) == 0 && !reading)
            break;
        /* Input that can be read without waiting (a regular file, or lines
         * already buffered) is read on; signals are still heard meanwhile. */
        if (reading && has_room(run) && !starved) {
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
    run->spec = request_spec_new(o->url, o->headers, o->nheaders, o->data, o->data_record,
                                 o->allow_missing, err, sizeof(err));
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
    enum commit_start start = COMMIT_FRESH;
    if (o->checkpoint_path) {
        run->checkpointing = 1;
        start = commit_open(&run->commit, o, err, sizeof(err));
        if (start == COMMIT_REFUSED) {
            say(o, "%s", err);
            return -1;
        }
        if (start == COMMIT_DONE) {
            run->already_done = 1;
            return 0;
        }
    }
    if (sinks_open(&run->sinks, o, output_interrupted, run) < 0)
        return -1;
    /* With --checkpoint, -o is opened without truncating it: cut it here. */
    if (start == COMMIT_RESUME)
        return sinks_resume(&run->sinks, run->commit.loaded.out_len, run->commit.loaded.errors_len);
    if (run->checkpointing && output_cut(&run->sinks.out, 0) < 0) {
        say(o, "%s: %s", o->output_path, strerror(errno));
        return -1;
    }
    return 0;
}

/* The reorder window when --window is not given: room for what the other
 * slots complete while one slow record holds up the head. Measured on a
 * service with 5 ms mean response times and 1% at 200 ms (make bench): at
 * -c 100, a window of 400 reached a quarter of unordered throughput, 1000
 * a half, 4096 all of it. That scales with capacity. */
static size_t default_window(size_t capacity)
{
    size_t w = capacity > 1000000 / 40 ? 1000000 : 40 * capacity;
    return w < 4096 ? 4096 : w;
}

/* The gate's question: where does the record in slot go? */
static int host_of(void *ctx, size_t slot, char *key, size_t n)
{
    const struct run *run = ctx;
    return hostpause_key(run->records[slot].req.url.data, key, n);
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
    if (run->commit.resuming)
        input_resume(&run->input, run->commit.loaded.resume.input, run->commit.loaded.resume.offset,
                     run->commit.loaded.resume.lineno);
    int ordered = !o->unordered || o->dry_run;
    /* Unordered, a done record leaves at once: no window to hold it in. A
     * dry run's records are done as they are read, in order: none either. */
    size_t window = !ordered || o->dry_run ? 0
                    : o->window_set        ? o->window
                                           : default_window(o->capacity);
    run->slots = o->capacity + window;
    run->window_bytes_max = WINDOW_BYTES;
    run->gate_timer = run->slots;
    run->rng = (uint64_t)run_now() ^ ((uint64_t)getpid() << 32);
    run->queue = queue_new(run->slots, ordered);
    run->records = calloc(run->slots, sizeof(*run->records));
    run->progress_timer = run->slots + 1;
    run->timers = timers_new(run->slots + 2);
    run->starting = calloc(run->slots, sizeof(*run->starting));
    run->gate = gate_new(run->slots, o->rate_per_ms, (double)o->burst, run_now(), host_of, run);
    if (!run->queue || !run->records || !run->timers || !run->starting || !run->gate ||
        stats_init(&run->stats) < 0)
        return -1;
    run->progress.fd = o->progress_fd;
    run->output_is_tty = isatty(run->sinks.out.fd);
    if (run->progress.fd >= 0)
        timers_set(run->timers, run->progress_timer, run_now());
    buf_init(&run->scratch, max_body + MAX_LINE);
    buf_init(&run->msg, MAX_URL);
    if (o->dry_run)
        return 0;
    /* Every connection is a descriptor: use what the hard limit allows, and
     * past it let requests wait for a connection rather than fail. */
    unsigned long long nofile = fdlimit_raise();
    size_t open_now = fdlimit_open_count();
    size_t connections = fdlimit_connections(nofile, open_now);
    if (connections < o->capacity)
        say(o,
            "--capacity %zu is more than the open-file limit of %llu allows (%zu open already): "
            "at most %zu connections at once, other requests wait for one",
            o->capacity, nofile, open_now, connections);
    size_t n;
    const char *const *fixed = request_spec_static_headers(run->spec, &n);
    struct http_config cfg = {
        .transfers = o->capacity,
        .max_connections = nofile == FDLIMIT_NONE ? 0 : connections,
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
    if (run->checkpointing)
        commit_close(&run->commit);
    http_free(run->http);
    for (size_t i = 0; run->records && i < run->slots; i++)
        record_free(&run->records[i]);
    free(run->records);
    free(run->starting);
    gate_free(run->gate);
    queue_free(run->queue);
    timers_free(run->timers);
    request_spec_free(run->spec);
    buf_free(&run->scratch);
    buf_free(&run->msg);
    input_close(&run->input);
    stats_free(&run->stats);
}

/* How the run ends, as enrich_run returns it. */
static enum enrich_status final_status(const struct run *run)
{
    if (run->finished)
        return run->status;
    if (run->signals)
        return ENRICH_INTERRUPTED;
    return run->failed ? ENRICH_SOME_FAILED : ENRICH_OK;
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
    /* The last commit comes before unwritten records are copied to
     * --errors: a resume redoes them, and cuts those copies away. */
    if (run->checkpointing && !run->sinks.out.error) {
        int done = !run->finished && !run->signals;
        flow_commit(run, done, final_status(run));
    }
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
    run.started_ms = run_now();
    run.caller = o;
    run.opts = *o;
    if (o->progress_fd >= 0 && o->message) {
        run.opts.message = say_over_progress;
        run.opts.message_ctx = &run;
    }
    run.o = &run.opts;
    o = run.o;
    run.progress.fd = -1;
    run.status = ENRICH_OK;
    run.fail_slot = -1;
    if (setup(&run) < 0) {
        sinks_close(&run.sinks, 0);
        teardown(&run);
        return ENRICH_USAGE;
    }
    if (run.already_done) {
        /* The checkpoint says this command ran to its end already. */
        enum enrich_status was = (enum enrich_status)run.commit.loaded.status;
        teardown(&run);
        return was;
    }
    if (allocate(&run) < 0) {
        say(o, "out of memory");
        run_stop(&run, ENRICH_ABORTED);
    }
    run_loop(&run);
    progress_erase(&run.progress);
    wind_up(&run);
    /* Even after a signal or an abort: how far the run got is worth knowing. */
    if (o->stats && run.stats.latency)
        write_stats(&run);
    teardown(&run);
    if (signal_number)
        *signal_number = run.signal_number;
    return final_status(&run);
}

const char *enrich_curl_version(void)
{
    return http_version();
}
