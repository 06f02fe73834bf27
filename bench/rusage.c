/* rusage: run a command and write its wall time, CPU time and peak RSS to a file, for
 * `make bench`. A small C parent, so the child's peak RSS is its own: a child forked
 * from a large parent (a Python interpreter) would count the parent's pages until exec.
 * CPU and RSS come from wait4, so they include the children the command waited for.
 *
 * usage: rusage FILE COMMAND [ARG]...
 * FILE gets one line: "wall_s user_s sys_s maxrss_kib". Exits with COMMAND's status
 * (128 + signal if it was killed). */
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double seconds(struct timeval tv)
{
    return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fputs("usage: rusage FILE COMMAND [ARG]...\n", stderr);
        return 2;
    }
    FILE *out = fopen(argv[1], "we"); /* close-on-exec: the command never sees it */
    if (!out) {
        perror(argv[1]);
        return 2;
    }
    struct timespec start, end;
    clock_gettime(CLOCK_MONOTONIC, &start);
    pid_t pid = fork();
    if (pid < 0) {
        perror("fork");
        return 2;
    }
    if (pid == 0) {
        execvp(argv[2], argv + 2);
        perror(argv[2]);
        _exit(127);
    }
    int status;
    struct rusage usage;
    if (wait4(pid, &status, 0, &usage) < 0) {
        perror("wait4");
        return 2;
    }
    clock_gettime(CLOCK_MONOTONIC, &end);
    double wall = (double)(end.tv_sec - start.tv_sec) + (double)(end.tv_nsec - start.tv_nsec) / 1e9;
    fprintf(out, "%.6f %.6f %.6f %ld\n", wall, seconds(usage.ru_utime), seconds(usage.ru_stime),
            usage.ru_maxrss);
    if (fclose(out) != 0) {
        perror(argv[1]);
        return 2;
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
