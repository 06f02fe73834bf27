/* What happens to records: each event the loop sees (a line read, an
 * attempt's result, a deadline, a second signal, room in the output) turned
 * into record transitions (record.h), output lines (render.h) and their
 * leaving (sinks.h). No waiting here: the loop (engine.c) decides when. */
#ifndef ENRICH_FLOW_H
#define ENRICH_FLOW_H

#include "failure.h"
#include "http.h"
#include "input.h"
#include "run.h"

/* A new line takes a slot at once, even if it fails before any request
 * (preset: it failed already, as an over-long line does). */
void flow_admit(struct run *run, const struct input_line *line, const struct failure *preset);
/* An attempt ended. */
void flow_result(struct run *run, const struct http_result *res);
/* Records the gate lets through start their attempts; the gate's timer is
 * set for the next time it may let one through. */
void flow_start_ready(struct run *run);
/* The timer of owner fired: a record's (its retry delay is over, or its
 * deadline passed) or the gate's. */
void flow_timer(struct run *run, size_t owner);
/* A second signal: records in flight end as interrupted. */
void flow_abort_in_flight(struct run *run);
/* Write out what the queue releases; after a stop, only when told to (an
 * interrupted run still writes the records that completed). */
void flow_drain(struct run *run, int after_stop);
/* --checkpoint: make what has left durable (sync the output and --errors)
 * and write the checkpoint: reading resumes at the oldest record still held,
 * or where input reading stands. done: the run finished, with status. */
void flow_commit(struct run *run, int done, enum enrich_status status);
/* A run that stopped early: account for every record it read and did not write. */
void flow_report_unwritten(struct run *run);

#endif
