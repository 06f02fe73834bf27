/* Unit tests for a record's state machine: every state x event, and the
 * transition functions that follow the table. */
#include "record.h"

#include <string.h>

#include "tap.h"

static void test_table(void)
{
    /* want[state][event]: the state after, or REC_INVALID when refused. */
    static const enum record_state want[5][6] = {
        /*              ADMIT       START          RETRY        WAKE         FINISH       RELEASE */
        [REC_FREE] = {REC_QUEUED, REC_INVALID, REC_INVALID, REC_INVALID, REC_INVALID, REC_INVALID},
        [REC_QUEUED] = {REC_INVALID, REC_IN_FLIGHT, REC_INVALID, REC_INVALID, REC_DONE,
                        REC_INVALID},
        [REC_IN_FLIGHT] = {REC_INVALID, REC_INVALID, REC_WAITING, REC_INVALID, REC_DONE,
                           REC_INVALID},
        [REC_WAITING] = {REC_INVALID, REC_INVALID, REC_INVALID, REC_QUEUED, REC_DONE, REC_INVALID},
        [REC_DONE] = {REC_INVALID, REC_INVALID, REC_INVALID, REC_INVALID, REC_INVALID, REC_FREE},
    };
    static const char *const events[] = {"admit", "start", "retry", "wake", "finish", "release"};
    for (int s = REC_FREE; s <= REC_DONE; s++)
        for (int e = REV_ADMIT; e <= REV_RELEASE; e++) {
            enum record_state got = record_next_state((enum record_state)s, (enum record_event)e);
            ok(got == want[s][e], "%s + %s -> %s", record_state_name((enum record_state)s),
               events[e], record_state_name(want[s][e]));
        }
}

static struct record_origin origin(unsigned long lineno)
{
    return (struct record_origin){0, "in", lineno, 100 * lineno, lineno, 5000};
}

static void test_life(void)
{
    struct record r;
    memset(&r, 0, sizeof(r));
    struct record_origin from = origin(3);
    ok(record_admit(&r, &from, "{\"a\":1}", 7, 64, 128, 64) == 0, "admit");
    ok(r.state == REC_QUEUED && r.lineno == 3 && r.offset == 300 && r.deadline_ms == 5000,
       "queued with its origin");
    ok(r.line.len == 7 && memcmp(r.line.data, "{\"a\":1}", 7) == 0, "the line is copied");
    ok(record_admit(&r, &from, "x", 1, 64, 128, 64) < 0, "a held record cannot be admitted");
    ok(r.line.len == 7, "and keeps its line");
    ok(record_release(&r) < 0 && r.state == REC_QUEUED, "a queued record cannot be released");
    ok(record_start(&r) == 0 && r.state == REC_IN_FLIGHT && r.attempts == 1, "start");
    ok(record_start(&r) < 0 && r.attempts == 1, "cannot start twice");
    ok(record_retry(&r) == 0 && r.state == REC_WAITING, "retry waits");
    ok(record_start(&r) < 0, "a waiting record does not start before it wakes");
    ok(record_wake(&r) == 0 && record_start(&r) == 0 && r.attempts == 2, "wake, start again");
    ok(record_finish(&r) == 0 && r.state == REC_DONE, "finish");
    ok(record_finish(&r) < 0, "finishes once");
    ok(record_release(&r) == 0 && r.state == REC_FREE, "release");
    r.emit = 1;
    r.fail.kind = FAIL_HTTP;
    from = origin(4);
    ok(record_admit(&r, &from, "{}", 2, 64, 128, 64) == 0, "the slot is used again");
    ok(r.attempts == 0 && !r.emit && r.fail.kind == FAIL_NONE && r.lineno == 4,
       "with nothing of the last record");
    ok(record_finish(&r) == 0, "a queued record may finish without a request");
    record_free(&r);
}

static void test_line_cap(void)
{
    struct record r;
    memset(&r, 0, sizeof(r));
    struct record_origin from = origin(1);
    ok(record_admit(&r, &from, "0123456789", 10, 4, 8, 8) < 0, "a line over the cap is refused");
    ok(r.state == REC_FREE, "and the record stays free");
    record_free(&r);
}

int main(void)
{
    test_table();
    test_life();
    test_line_cap();
    return tap_done();
}
