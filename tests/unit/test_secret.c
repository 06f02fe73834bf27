/* Reading credentials: first lines, header files, the environment, messages. */
#include "secret.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"

static char dir[] = "/tmp/enrich-secret-XXXXXX";

/* A file under dir holding text; returns its path (static storage). */
static const char *file(const char *name, const char *text)
{
    static char path[256];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
    return path;
}

static void first_lines(void)
{
    char err[256];
    char *v = secret_first_line(file("a", "tok-1\r\nsecond\n"), err, sizeof(err));
    is_str(v, "tok-1", "the first line, its CRLF removed");
    free(v);
    v = secret_first_line(file("b", "no newline"), err, sizeof(err));
    is_str(v, "no newline", "a file without a line end");
    free(v);
    v = secret_first_line(file("c", ""), err, sizeof(err));
    is_str(v, "", "an empty file gives an empty line");
    free(v);
    char missing[300];
    snprintf(missing, sizeof(missing), "%s/missing", dir);
    ok(secret_first_line(missing, err, sizeof(err)) == NULL && strstr(err, "missing: No such file"),
       "a missing file names itself (%s)", err);
}

static void values(void)
{
    char err[256], spec[300];
    char *v = secret_value("--x", "literal", err, sizeof(err));
    is_str(v, "literal", "a literal value");
    free(v);
    snprintf(spec, sizeof(spec), "@%s", file("t", "tok-2\n"));
    v = secret_value("--x", spec, err, sizeof(err));
    is_str(v, "tok-2", "@FILE: its first line");
    free(v);
    snprintf(spec, sizeof(spec), "@%s", file("e", "\nlater\n"));
    ok(secret_value("--x", spec, err, sizeof(err)) == NULL && strstr(err, "first line is empty"),
       "@FILE with an empty first line is refused (%s)", err);
    setenv("ENRICH_TEST_TOKEN", "tok-3", 1);
    v = secret_value("--x", "env:ENRICH_TEST_TOKEN", err, sizeof(err));
    is_str(v, "tok-3", "env:NAME: the variable");
    free(v);
    unsetenv("ENRICH_TEST_TOKEN");
    ok(secret_value("--x", "env:ENRICH_TEST_TOKEN", err, sizeof(err)) == NULL, "unset: refused");
    is_str(err, "--x: environment variable ENRICH_TEST_TOKEN is not set", "saying so");
    ok(secret_value("--x", "", err, sizeof(err)) == NULL, "an empty literal is refused");
}

static void lines(void)
{
    char err[256], **l = NULL;
    long n = secret_lines(file("h", "A: 1\r\n\n\r\nB: 2\nC: 3"), &l, err, sizeof(err));
    ok(n == 3, "three lines, empty ones skipped (%ld)", n);
    if (n == 3) {
        is_str(l[0], "A: 1", "CRLF removed");
        is_str(l[1], "B: 2", "second");
        is_str(l[2], "C: 3", "a last line without a line end");
    }
    secret_lines_free(l, n > 0 ? (size_t)n : 0);
    l = NULL;
    ok(secret_lines(file("z", ""), &l, err, sizeof(err)) == 0, "an empty file has no lines");
    secret_lines_free(l, 0);
}

static void netrc(void)
{
    setenv("HOME", "/home/someone", 1);
    char *p = secret_default_netrc();
    is_str(p, "/home/someone/.netrc", "$HOME/.netrc");
    free(p);
}

int main(void)
{
    if (!mkdtemp(dir)) {
        printf("Bail out! mkdtemp\n");
        return 1;
    }
    first_lines();
    values();
    lines();
    netrc();
    const char *names[] = {"a", "b", "c", "t", "e", "h", "z"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        char path[300];
        snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
        unlink(path);
    }
    rmdir(dir);
    return tap_done();
}
