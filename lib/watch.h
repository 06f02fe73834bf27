/* Seeing the run (--progress, --stats). The status line is drawn by
 * watch_tick, which sets the progress timer for its next turn; the engine
 * calls it when that timer fires. Messages go through watch_say and output
 * lines are preceded by watch_before_output, so the line never garbles
 * them. watch_write_stats writes the --stats report (a failure to write it
 * to a file stops the run with exit 3). */
#ifndef ENRICH_WATCH_H
#define ENRICH_WATCH_H

#include "run.h"

void watch_tick(struct run *run);
/* The message callback to put in front of the caller's while a status
 * line may be shown (ctx is the run). */
void watch_say(void *ctx, const char *line);
void watch_before_output(struct run *run);
void watch_write_stats(struct run *run);

#endif
