/* Seeing the run: the --progress status line, redrawn from a timer and kept
 * out of the way of messages and output on the same terminal, and the
 * --stats report at the end; see watch.h. */
#include "watch.h"

#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>

#include "atomicfile.h"
#include "say.h"
#include "writeall.h"

/* How often --progress redraws its line: a few times a second. */
#define PROGRESS_EVERY_MS 200

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
void watch_tick(struct run *run)
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
void watch_say(void *ctx, const char *line)
{
    struct run *run = ctx;
    progress_erase(&run->progress);
    run->caller->message(run->caller->message_ctx, line);
}

/* An output line is about to be written on the terminal that shows the
 * status line: erase it first, as for a message. */
void watch_before_output(struct run *run)
{
    if (run->progress.shown && run->output_is_tty &&
        queue_ready(run->queue, run_record_done, run) >= 0)
        progress_erase(&run->progress);
}

/* --stats: the text, onto stats_fd or into stats_path. A failure to write
 * it fails the run (exit 3): a cron job must learn that its stats are
 * missing. */
void watch_write_stats(struct run *run)
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
