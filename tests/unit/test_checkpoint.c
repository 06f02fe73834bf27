/* Unit tests for the checkpoint file's text form and its fingerprint. */
#include "checkpoint.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"

static void round_trip(void)
{
    struct checkpoint c, back;
    checkpoint_init(&c);
    checkpoint_init(&back);
    c.fingerprint = 0x0123456789abcdefULL;
    c.done = 0;
    c.status = 1;
    c.resume = (struct ckpt_pos){2, 123456789012ULL, 4242};
    c.out_len = 99;
    c.errors_len = 7;
    checkpoint_add_skip(&c, (struct ckpt_pos){2, 123456789100ULL, 4243});
    checkpoint_add_skip(&c, (struct ckpt_pos){3, 0, 0});
    struct buf b;
    buf_init(&b, 1 << 20);
    ok(checkpoint_format(&c, &b) == 0, "formats");
    ok(checkpoint_parse(b.data, b.len, &back) == 0, "parses back");
    ok(back.fingerprint == c.fingerprint && back.done == 0 && back.status == 1, "the state");
    ok(back.resume.input == 2 && back.resume.offset == 123456789012ULL &&
           back.resume.lineno == 4242,
       "the resume place");
    ok(back.out_len == 99 && back.errors_len == 7, "the lengths");
    ok(back.nskip == 2 && checkpoint_skips(&back, 2, 123456789100ULL) &&
           checkpoint_skips(&back, 3, 0) && !checkpoint_skips(&back, 2, 0),
       "the skip list");
    c.done = 1;
    buf_reset(&b);
    checkpoint_format(&c, &b);
    ok(checkpoint_parse(b.data, b.len, &back) == 0 && back.done, "a done run");
    /* Damaged or foreign text is refused whole. */
    ok(checkpoint_parse(b.data, b.len - 4, &back) < 0, "cut short: refused");
    ok(back.done, "and what was there stays");
    ok(checkpoint_parse("hello\n", 6, &back) < 0, "not a checkpoint: refused");
    char bad[512];
    snprintf(bad, sizeof(bad), "%.*s", (int)b.len, b.data);
    char *state = strstr(bad, "state done");
    memcpy(state, "state oops", 10);
    ok(checkpoint_parse(bad, strlen(bad), &back) < 0, "an unknown state: refused");
    buf_free(&b);
    checkpoint_free(&c);
    checkpoint_free(&back);
}

static void save_and_load(void)
{
    char dir[] = "/tmp/enrich-ckpt-XXXXXX";
    ok(mkdtemp(dir) != NULL, "a directory");
    char path[128], why[256];
    snprintf(path, sizeof(path), "%s/ck", dir);
    struct checkpoint c, back;
    checkpoint_init(&c);
    checkpoint_init(&back);
    ok(checkpoint_load(path, &back, why, sizeof(why)) == 0, "no file: nothing loaded");
    c.fingerprint = 42;
    c.out_len = 10;
    ok(checkpoint_save(path, &c, why, sizeof(why)) == 0, "saved");
    ok(checkpoint_load(path, &back, why, sizeof(why)) == 1 && back.fingerprint == 42 &&
           back.out_len == 10,
       "loaded as saved");
    /* Only the checkpoint itself is in the directory: no temporary file left. */
    int files = 0;
    DIR *d = opendir(dir);
    for (struct dirent *e; d && (e = readdir(d));)
        files += e->d_name[0] != '.';
    if (d)
        closedir(d);
    ok(files == 1, "no temporary file is left (%d files)", files);
    unlink(path);
    rmdir(dir);
    checkpoint_free(&c);
    checkpoint_free(&back);
}

static void fingerprints(void)
{
    const char *a[] = {"-u", "http://h/{id}", "-o", "out"};
    const char *b[] = {"-u", "http://h/{id}", "-o", "out2"};
    const char *in[] = {"/dev/null"};
    unsigned long long fa = checkpoint_fingerprint(a, 4, in, 1);
    ok(fa == checkpoint_fingerprint(a, 4, in, 1), "the same command, the same fingerprint");
    ok(fa != checkpoint_fingerprint(b, 4, in, 1), "another word, another");
    ok(fa != checkpoint_fingerprint(a, 3, in, 1), "a word less, another");
    const char *joined[] = {"-u", "http://h/{id}-o", "out"};
    ok(fa != checkpoint_fingerprint(joined, 3, in, 1), "words are not run together");
}

int main(void)
{
    round_trip();
    save_and_load();
    fingerprints();
    return tap_done();
}
