/* Whole-file replacement by rename; see atomicfile.h. */
#include "atomicfile.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "writeall.h"

/* The rename is durable once the directory is synced too; a directory that
 * cannot be opened or synced (some filesystems) still has the file. */
static void sync_directory(const char *path)
{
    char *copy = strdup(path);
    if (!copy)
        return;
    int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
    free(copy);
}

int atomicfile_write(const char *path, const char *data, size_t len, char *why, size_t n)
{
    size_t plen = strlen(path);
    char *tmp = malloc(plen + sizeof(".tmp.XXXXXX"));
    if (!tmp) {
        snprintf(why, n, "%s: out of memory", path);
        return -1;
    }
    /* Beside the path, so the rename stays in one filesystem; a name ending
     * in a random suffix, which node_exporter's *.prom glob skips. */
    memcpy(tmp, path, plen);
    memcpy(tmp + plen, ".tmp.XXXXXX", sizeof(".tmp.XXXXXX"));
    int fd = mkostemp(tmp, O_CLOEXEC);
    if (fd < 0) {
        snprintf(why, n, "%s: %s", path, strerror(errno));
        free(tmp);
        return -1;
    }
    mode_t mask = umask(0);
    umask(mask);
    int rc = fchmod(fd, 0666 & ~mask) < 0 || write_all(fd, data, len) < 0 || fsync(fd) < 0 ? -1 : 0;
    int saved = errno;
    if (close(fd) < 0 && rc == 0)
        rc = -1, saved = errno;
    if (rc == 0 && rename(tmp, path) < 0)
        rc = -1, saved = errno;
    if (rc < 0) {
        snprintf(why, n, "%s: %s", path, strerror(saved));
        unlink(tmp);
    } else {
        sync_directory(path);
    }
    free(tmp);
    return rc;
}
