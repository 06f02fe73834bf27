/* Command-line options: one table drives getopt_long, --help and the test
 * that checks the man page documents every option. */
#ifndef ENRICH_CMD_OPTIONS_H
#define ENRICH_CMD_OPTIONS_H

#include <stdio.h>

#include "enrich.h"

enum cli_result {
    CLI_RUN,  /* options are in place: run */
    CLI_DONE, /* --help or --version was printed: exit 0 */
    CLI_USAGE /* a message was printed: exit 2 */
};

/* Fill o from argv (o must hold the defaults already). Strings in o borrow
 * from argv; o->headers, o->inputs and o->cert_password are allocated: free
 * with cli_free. -E's argument is changed in place: its passphrase is
 * blanked out of argv. */
enum cli_result cli_parse(int argc, char **argv, struct enrich_options *o);
void cli_free(struct enrich_options *o);

/* Print --help to f. */
void cli_help(FILE *f);
/* Print every long option name, one a line (for the man page test). */
void cli_list_options(FILE *f);

#endif
