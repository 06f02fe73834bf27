/* A record's states and transitions; see record.h for the diagram.
 *
 * Every change of state goes through record_next_state, so the table there
 * is the whole truth of how a record moves: the loop (flow.c) asks for a
 * transition and is refused, changing nothing, when the record is not where
 * the event leaves from (a result for a record its deadline already ended,
 * say). Who owns what: the record owns its line, request and output line
 * (allocated on the slot's first use, reused after); the queue owns the slot
 * number and output order; the HTTP engine owns the transfer and its body. */
#include "record.h"

#include <string.h>

enum record_state record_next_state(enum record_state s, enum record_event event)
{
    switch (event) {
    case REV_ADMIT: return s == REC_FREE ? REC_QUEUED : REC_INVALID;
    case REV_START: return s == REC_QUEUED ? REC_IN_FLIGHT : REC_INVALID;
    case REV_RETRY: return s == REC_IN_FLIGHT ? REC_WAITING : REC_INVALID;
    case REV_WAKE: return s == REC_WAITING ? REC_QUEUED : REC_INVALID;
    case REV_FINISH:
        return s == REC_QUEUED || s == REC_IN_FLIGHT || s == REC_WAITING ? REC_DONE : REC_INVALID;
    case REV_RELEASE: return s == REC_DONE ? REC_FREE : REC_INVALID;
    }
    return REC_INVALID;
}

const char *record_state_name(enum record_state s)
{
    static const char *const names[] = {"free",    "queued", "in_flight",
                                        "waiting", "done",   "invalid"};
    return s <= REC_INVALID ? names[s] : "invalid";
}

static int go(struct record *r, enum record_event event)
{
    enum record_state next = record_next_state(r->state, event);
    if (next == REC_INVALID)
        return -1;
    r->state = next;
    return 0;
}

int record_admit(struct record *r, const struct record_origin *from, const char *line, size_t n,
                 size_t max_line, size_t max_out, size_t max_url)
{
    if (r->state != REC_FREE)
        return -1;
    if (!r->ready) {
        buf_init(&r->line, max_line);
        buf_init(&r->out, max_out);
        request_init(&r->req, max_url);
        r->ready = 1;
    }
    buf_reset(&r->line);
    if (buf_append(&r->line, line, n) < 0)
        return -1;
    r->input = from->input;
    r->input_index = from->input_index;
    r->lineno = from->lineno;
    r->offset = from->offset;
    r->seq = from->seq;
    r->deadline_ms = from->deadline_ms;
    r->attempts = 0;
    r->transfer = -1;
    r->emit = 0;
    r->to_errors = 0;
    r->copied = 0;
    r->uncopyable = 0;
    memset(&r->fail, 0, sizeof(r->fail));
    return go(r, REV_ADMIT);
}

int record_start(struct record *r)
{
    if (go(r, REV_START) < 0)
        return -1;
    r->attempts++;
    return 0;
}

int record_retry(struct record *r)
{
    return go(r, REV_RETRY);
}

int record_wake(struct record *r)
{
    return go(r, REV_WAKE);
}

int record_finish(struct record *r)
{
    return go(r, REV_FINISH);
}

int record_release(struct record *r)
{
    return go(r, REV_RELEASE);
}

void record_free(struct record *r)
{
    if (!r->ready)
        return; /* never used: its pages were never touched either */
    buf_free(&r->line);
    buf_free(&r->out);
    request_free(&r->req);
    r->ready = 0;
}
