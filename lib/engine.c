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
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "flow.h"
#include "http.h"
#include "run.h"
#include "say.h"
#include "setup.h"
#include "watch.h"

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
            watch_tick(run);
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
        watch_before_output(run);
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
        run.opts.message = watch_say;
        run.opts.message_ctx = &run;
    }
    run.o = &run.opts;
    o = run.o;
    run.progress.fd = -1;
    run.status = ENRICH_OK;
    run.fail_slot = -1;
    if (run_setup(&run, output_interrupted) < 0) {
        sinks_close(&run.sinks, 0);
        run_teardown(&run);
        return ENRICH_USAGE;
    }
    if (run.already_done) {
        /* The checkpoint says this command ran to its end already. */
        enum enrich_status was = (enum enrich_status)run.commit.loaded.status;
        run_teardown(&run);
        return was;
    }
    if (run_allocate(&run) < 0) {
        say(o, "out of memory");
        run_stop(&run, ENRICH_ABORTED);
    }
    run_loop(&run);
    progress_erase(&run.progress);
    wind_up(&run);
    /* Even after a signal or an abort: how far the run got is worth knowing. */
    if (o->stats && run.stats.latency)
        watch_write_stats(&run);
    run_teardown(&run);
    if (signal_number)
        *signal_number = run.signal_number;
    return final_status(&run);
}

const char *enrich_curl_version(void)
{
    return http_version();
}
