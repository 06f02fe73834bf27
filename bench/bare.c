/* bare: the least a libcurl-based lookup tool can do, as a ceiling for `make bench`.
 * It reads NDJSON records from stdin, takes the number after each line's "id":, and
 * GETs PREFIX<id> with N reused easy handles on one multi handle (curl_multi_poll +
 * curl_multi_perform, as enrich does). No JSON parsing, no output per record: bodies
 * are counted and dropped. At the end it prints "records R ok K bytes B" on stdout,
 * so the caller can check that every lookup succeeded and every body arrived whole.
 *
 * With --as-enrich, each request is the one enrich sends, byte for byte on the wire
 * (User-Agent: enrich/VERSION and Accept-Encoding offering what Debian's libcurl
 * decodes), set up as enrich sets it up (the two lines as header lines, NOSIGNAL, no
 * proxy from the environment): the ceiling for a tool that sends those two headers.
 *
 * usage: bare [--as-enrich] N PREFIX < input.ndjson */
#include "enrich.h" /* ENRICH_VERSION only */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct slot {
    CURL *easy;
    char url[512];
};

static unsigned long long body_bytes;

static size_t discard(char *data, size_t size, size_t nmemb, void *user)
{
    (void)data;
    (void)user;
    body_bytes += size * nmemb;
    return size * nmemb;
}

/* The id's text after the first "id": of the line, up to the next ',' or '}'. */
static int find_id(const char *line, const char **start, size_t *len)
{
    const char *p = strstr(line, "\"id\":");
    if (!p)
        return -1;
    p += 5;
    *start = p;
    *len = strcspn(p, ",}\r\n");
    return *len ? 0 : -1;
}

int main(int argc, char **argv)
{
    int as_enrich = argc > 1 && strcmp(argv[1], "--as-enrich") == 0;
    argv += as_enrich;
    argc -= as_enrich;
    if (argc != 3 || atoi(argv[1]) <= 0) {
        fputs("usage: bare [--as-enrich] N PREFIX < input.ndjson\n", stderr);
        return 2;
    }
    int n = atoi(argv[1]);
    const char *prefix = argv[2];
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return fputs("bare: curl_global_init failed\n", stderr), 1;
    CURLM *multi = curl_multi_init();
    struct slot *slots = calloc((size_t)n, sizeof(*slots));
    struct slot **free_slots = calloc((size_t)n, sizeof(*free_slots));
    if (!multi || !slots || !free_slots)
        return fputs("bare: out of memory\n", stderr), 1;
    int nfree = 0;
    struct curl_slist *enrich_lines = NULL;
    if (as_enrich) {
        struct curl_slist *ua = curl_slist_append(NULL, "User-Agent: enrich/" ENRICH_VERSION);
        enrich_lines = ua ? curl_slist_append(ua, "Accept-Encoding: deflate, gzip, br, zstd") : NULL;
        if (!enrich_lines)
            return fputs("bare: out of memory\n", stderr), 1;
    }
    for (int i = 0; i < n; i++) {
        slots[i].easy = curl_easy_init();
        if (!slots[i].easy)
            return fputs("bare: curl_easy_init failed\n", stderr), 1;
        curl_easy_setopt(slots[i].easy, CURLOPT_WRITEFUNCTION, discard);
        curl_easy_setopt(slots[i].easy, CURLOPT_PRIVATE, &slots[i]);
        if (as_enrich) {
            /* As lib/http.c sets them for a GET when no proxy is in the
             * environment: decoding on, its own two lines given as header
             * lines, the environment not read for each request. */
            curl_easy_setopt(slots[i].easy, CURLOPT_NOSIGNAL, 1L);
            curl_easy_setopt(slots[i].easy, CURLOPT_ACCEPT_ENCODING, "");
            curl_easy_setopt(slots[i].easy, CURLOPT_HTTPHEADER, enrich_lines);
            curl_easy_setopt(slots[i].easy, CURLOPT_PROXY, "");
            curl_easy_setopt(slots[i].easy, CURLOPT_NOPROXY, "");
        }
        free_slots[nfree++] = &slots[i];
    }

    char *line = NULL;
    size_t cap = 0;
    int eof = 0, running = 0;
    unsigned long records = 0, ok = 0;
    while (!eof || nfree < n) {
        while (!eof && nfree > 0) {
            if (getline(&line, &cap, stdin) < 0) {
                eof = 1;
                break;
            }
            const char *id;
            size_t len;
            if (find_id(line, &id, &len) < 0)
                continue;
            struct slot *s = free_slots[--nfree];
            snprintf(s->url, sizeof(s->url), "%s%.*s", prefix, (int)len, id);
            curl_easy_setopt(s->easy, CURLOPT_URL, s->url);
            if (curl_multi_add_handle(multi, s->easy) != CURLM_OK)
                return fputs("bare: curl_multi_add_handle failed\n", stderr), 1;
            records++;
        }
        if (curl_multi_perform(multi, &running) != CURLM_OK)
            return fputs("bare: curl_multi_perform failed\n", stderr), 1;
        CURLMsg *msg;
        int left;
        while ((msg = curl_multi_info_read(multi, &left))) {
            if (msg->msg != CURLMSG_DONE)
                continue;
            CURL *easy = msg->easy_handle;
            long status = 0;
            curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
            if (msg->data.result == CURLE_OK && status == 200)
                ok++;
            struct slot *s;
            curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&s);
            curl_multi_remove_handle(multi, easy);
            free_slots[nfree++] = s;
        }
        if (running > 0 && curl_multi_poll(multi, NULL, 0, 1000, NULL) != CURLM_OK)
            return fputs("bare: curl_multi_poll failed\n", stderr), 1;
    }
    printf("records %lu ok %lu bytes %llu\n", records, ok, body_bytes);

    for (int i = 0; i < n; i++)
        curl_easy_cleanup(slots[i].easy);
    curl_multi_cleanup(multi);
    curl_slist_free_all(enrich_lines);
    curl_global_cleanup();
    free(slots);
    free(free_slots);
    free(line);
    return ok == records ? 0 : 1;
}
