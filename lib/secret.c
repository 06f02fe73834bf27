/* Reading credentials; see secret.h. Files are small (a token, a few
 * headers): each is read whole, once, at start. */
#include "secret.h"

#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The most a credentials file may hold: far more than any token or header
 * list, far less than a mistaken log file. */
#define SECRET_FILE_MAX ((size_t)1 << 20)

static const char *shown_path(const char *path)
{
    return strcmp(path, "-") == 0 ? "standard input" : path;
}

/* The whole of path (NUL-terminated) into *out, its length in *n. */
static int read_all(const char *path, char **out, size_t *n, char *err, size_t errlen)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    char *data = malloc(SECRET_FILE_MAX + 1);
    size_t len = data ? fread(data, 1, SECRET_FILE_MAX + 1, f) : 0;
    int failed = !data || ferror(f);
    int saved = errno;
    if (f != stdin)
        fclose(f);
    if (failed) {
        snprintf(err, errlen, "%s: %s", shown_path(path), data ? strerror(saved) : "out of memory");
        free(data);
        return -1;
    }
    if (len > SECRET_FILE_MAX) {
        snprintf(err, errlen, "%s: larger than %zu bytes: not a credentials file", shown_path(path),
                 SECRET_FILE_MAX);
        free(data);
        return -1;
    }
    data[len] = '\0';
    *out = data;
    *n = len;
    return 0;
}

/* The length of the line at p (up to n bytes), without its line end. */
static size_t line_length(const char *p, size_t n, size_t *next)
{
    const char *nl = memchr(p, '\n', n);
    size_t len = nl ? (size_t)(nl - p) : n;
    *next = nl ? len + 1 : n;
    if (len > 0 && p[len - 1] == '\r')
        len--;
    return len;
}

char *secret_first_line(const char *path, char *err, size_t errlen)
{
    char *data;
    size_t n, next;
    if (read_all(path, &data, &n, err, errlen) < 0)
        return NULL;
    data[line_length(data, n, &next)] = '\0';
    return data;
}

char *secret_value(const char *what, const char *spec, char *err, size_t errlen)
{
    char *v;
    if (spec[0] == '@') {
        char why[512];
        if (!(v = secret_first_line(spec + 1, why, sizeof(why)))) {
            snprintf(err, errlen, "%s: %s", what, why);
            return NULL;
        }
        if (!*v) {
            snprintf(err, errlen, "%s: %s: the first line is empty", what, shown_path(spec + 1));
            free(v);
            return NULL;
        }
        return v;
    }
    if (strncmp(spec, "env:", 4) == 0) {
        const char *e = getenv(spec + 4);
        if (!e || !*e) {
            snprintf(err, errlen, "%s: environment variable %s is %s", what, spec + 4,
                     e ? "empty" : "not set");
            return NULL;
        }
        spec = e;
    } else if (!*spec) {
        snprintf(err, errlen, "%s: empty", what);
        return NULL;
    }
    if (!(v = strdup(spec)))
        snprintf(err, errlen, "out of memory");
    return v;
}

void secret_lines_free(char **lines, size_t n)
{
    for (size_t i = 0; lines && i < n; i++)
        free(lines[i]);
    free(lines);
}

long secret_lines(const char *path, char ***lines, char *err, size_t errlen)
{
    char *data;
    size_t n;
    if (read_all(path, &data, &n, err, errlen) < 0)
        return -1;
    char **out = NULL;
    size_t count = 0;
    for (size_t at = 0; at < n;) {
        size_t next, len = line_length(data + at, n - at, &next);
        if (len > 0) {
            char **more = realloc(out, (count + 1) * sizeof(*out));
            char *line = more ? strndup(data + at, len) : NULL;
            if (more)
                out = more;
            if (!line) {
                secret_lines_free(out, count);
                free(data);
                snprintf(err, errlen, "out of memory");
                return -1;
            }
            out[count++] = line;
        }
        at += next;
    }
    free(data);
    *lines = out;
    return (long)count;
}

char *secret_default_netrc(void)
{
    const char *home = getenv("HOME");
    if (!home || !*home) {
        struct passwd *pw = getpwuid(getuid());
        home = pw ? pw->pw_dir : NULL;
    }
    if (!home)
        return NULL;
    size_t n = strlen(home) + sizeof("/.netrc");
    char *path = malloc(n);
    if (path)
        snprintf(path, n, "%s/.netrc", home);
    return path;
}
