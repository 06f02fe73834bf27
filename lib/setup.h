/* Setting a run up and taking it down. run_setup does what must come
 * before any input is read, and reports usage problems (returns -1 after
 * saying why); run_allocate sizes the run (returns -1 out of memory);
 * run_teardown frees whatever of it was made. */
#ifndef ENRICH_SETUP_H
#define ENRICH_SETUP_H

#include "output.h"
#include "run.h"

/* interrupted: the output's hook for a blocked write hit by a signal. */
int run_setup(struct run *run, output_interrupt_fn interrupted);
int run_allocate(struct run *run);
void run_teardown(struct run *run);

#endif
