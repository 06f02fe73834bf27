/* Reading credentials from where they are kept, so that they need never be
 * written on a command line (where every user sees them in ps): the first
 * line of a file, an environment variable, the header lines of a file. A
 * path "-" is standard input. Messages name the file or variable, never
 * what it holds. */
#ifndef ENRICH_SECRET_H
#define ENRICH_SECRET_H

#include <stddef.h>

/* The first line of path, without its line end (LF or CRLF). Returns it
 * (allocated: the caller frees), or NULL with a one-line message in err. */
char *secret_first_line(const char *path, char *err, size_t errlen);

/* A value given as TEXT, @FILE (its first line) or env:NAME (the variable,
 * which must be set and not empty). what names the option in messages.
 * Returns it (allocated), or NULL with a message in err; an empty value is
 * an error. */
char *secret_value(const char *what, const char *spec, char *err, size_t errlen);

/* The lines of path, line ends (LF or CRLF) removed, empty lines skipped,
 * into *lines (allocated, as is each line: free with secret_lines_free).
 * Returns the number of lines, or -1 with a message in err. */
long secret_lines(const char *path, char ***lines, char *err, size_t errlen);
void secret_lines_free(char **lines, size_t n);

/* The .netrc that curl --netrc reads: $HOME/.netrc, or the password
 * database's home directory when HOME is unset. Returns it (allocated), or
 * NULL when no home directory is known. */
char *secret_default_netrc(void);

#endif
