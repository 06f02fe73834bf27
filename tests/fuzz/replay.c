/* Runs a fuzz target's LLVMFuzzerTestOneInput over files, without libFuzzer, so the
 * corpus is a regular test of the normal and sanitizer builds. Arguments are files or
 * directories (every regular file in them, in name order); with none, the target's own
 * corpus, FUZZ_CORPUS, relative to the repository root. Prints TAP: one line a file. A
 * broken contract aborts, which fails the test file. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

struct names {
    char **v;
    size_t n, cap;
};

static void add(struct names *ns, const char *path)
{
    if (ns->n == ns->cap) {
        ns->cap = ns->cap ? 2 * ns->cap : 64;
        ns->v = realloc(ns->v, ns->cap * sizeof(*ns->v));
        if (!ns->v)
            abort();
    }
    ns->v[ns->n] = strdup(path);
    if (!ns->v[ns->n++])
        abort();
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

/* A file as it is; a directory as the regular files in it. */
static int collect(struct names *ns, const char *path)
{
    struct stat st;
    if (stat(path, &st) < 0)
        return -1;
    if (!S_ISDIR(st.st_mode)) {
        add(ns, path);
        return 0;
    }
    struct dirent **list;
    int n = scandir(path, &list, NULL, by_name);
    if (n < 0)
        return -1;
    for (int i = 0; i < n; i++) {
        char full[4096];
        snprintf(full, sizeof(full), "%s/%s", path, list[i]->d_name);
        if (stat(full, &st) == 0 && S_ISREG(st.st_mode))
            add(ns, full);
        free(list[i]);
    }
    free(list);
    return 0;
}

/* The whole file in a malloc'd buffer of exactly its size, so a sanitizer sees reads past
 * the end; NULL when unreadable. */
static uint8_t *slurp(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0;
    uint8_t *data = malloc(cap);
    size_t got;
    while (data && (got = fread(data + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            uint8_t *more = realloc(data, cap *= 2);
            if (!more)
                free(data);
            data = more;
        }
    }
    fclose(f);
    uint8_t *exact = data ? malloc(n ? n : 1) : NULL;
    if (exact)
        memcpy(exact, data, n);
    free(data);
    *size = n;
    return exact;
}

int main(int argc, char **argv)
{
    struct names ns = {0};
    const char *fallback[] = {FUZZ_CORPUS};
    const char *const *args = argc > 1 ? (const char *const *)argv + 1 : fallback;
    int count = argc > 1 ? argc - 1 : 1;
    for (int i = 0; i < count; i++)
        if (collect(&ns, args[i]) < 0) {
            printf("1..0 # cannot read %s\n", args[i]);
            return 1;
        }
    printf("1..%zu\n", ns.n);
    int failed = 0;
    for (size_t i = 0; i < ns.n; i++) {
        size_t size;
        uint8_t *data = slurp(ns.v[i], &size);
        if (data) {
            fflush(stdout); /* what passed is shown before a crash */
            LLVMFuzzerTestOneInput(data, size);
        } else {
            failed++;
        }
        printf("%s %zu - %s\n", data ? "ok" : "not ok", i + 1, ns.v[i]);
        free(data);
        free(ns.v[i]);
    }
    free(ns.v);
    return failed ? 1 : 0;
}
