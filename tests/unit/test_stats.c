/* Unit tests for the run's statistics: counters, hosts bounded with
 * "other", the JSON object and the Prometheus text. */
#include "stats.h"

#include <cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"

static double num(const cJSON *root, const char *a, const char *b)
{
    const cJSON *o = cJSON_GetObjectItemCaseSensitive(root, a);
    if (b)
        o = cJSON_GetObjectItemCaseSensitive(o, b);
    return cJSON_IsNumber(o) ? o->valuedouble : -1;
}

static void test_counts_and_json(void)
{
    struct stats s;
    ok(stats_init(&s) == 0, "init");
    stats_request(&s, "http://a.example/x");
    stats_response(&s, "http://a.example/x", 12.5, 100, 1);
    stats_request(&s, "http://a.example/y");
    stats_response(&s, "http://a.example/y", 20, 50, 0);
    stats_request(&s, "https://B.example:8443/z");
    stats_response(&s, "https://B.example:8443/z", 3000, 7, 0);
    stats_finished(&s, FAIL_NONE);
    stats_finished(&s, FAIL_NONE);
    stats_finished(&s, FAIL_HTTP);
    stats_left(&s, 1, 9);
    stats_left(&s, 0, 0);
    s.read = 4;
    s.retries = 1;
    struct stats_time t = {2.0, 1700000000.5};
    char *text = stats_json(&s, &t);
    cJSON *root = text ? cJSON_Parse(text) : NULL;
    ok(root != NULL, "the JSON parses");
    ok(text && text[strlen(text) - 1] == '\n' && !strchr(text, '\n')[1], "one line");
    ok(num(root, "records", "read") == 4 && num(root, "records", "ok") == 2 &&
           num(root, "records", "failed") == 1 && num(root, "records", "unfinished") == 1,
       "records read, ok, failed, unfinished");
    ok(num(root, "records", "written") == 1 && num(root, "records", "dropped") == 1,
       "written and dropped");
    const cJSON *kinds = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(root, "records"), "failed_by_kind");
    ok(num(kinds, "http", NULL) == 1 && num(kinds, "timeout", NULL) == 0, "failed by kind");
    ok(num(root, "requests", NULL) == 3 && num(root, "retries", NULL) == 1, "requests, retries");
    ok(num(root, "bytes", "in") == 157 && num(root, "bytes", "out") == 10, "bytes in and out");
    ok(num(root, "records_per_second", NULL) == 1.5, "records/s");
    ok(num(root, "latency_ms", "count") == 3 && num(root, "latency_ms", "max") == 3000,
       "latency count and max");
    ok(num(root, "latency_ms", "p50") > 19.8 && num(root, "latency_ms", "p50") < 20.2, "p50");
    const cJSON *hosts = cJSON_GetObjectItemCaseSensitive(root, "hosts");
    ok(num(hosts, "http://a.example:80", "requests") == 2 &&
           num(hosts, "http://a.example:80", "failed") == 1 &&
           num(hosts, "https://b.example:8443", "bytes_in") == 7,
       "per host");
    ok(!cJSON_GetObjectItemCaseSensitive(hosts, "other"), "no other without overflow");
    cJSON_Delete(root);
    free(text);
    stats_free(&s);
}

static void test_hosts_bounded(void)
{
    struct stats s;
    stats_init(&s);
    char url[64];
    for (int i = 0; i < STATS_HOSTS + 10; i++) {
        snprintf(url, sizeof(url), "http://h%d.example/", i);
        stats_request(&s, url);
    }
    stats_request(&s, "http://h0.example/again");
    ok(s.nhosts == STATS_HOSTS, "at most STATS_HOSTS hosts");
    ok(s.other.requests == 10, "the rest in other");
    ok(s.hosts[0].requests == 2, "a known host is still counted apart");
    stats_free(&s);
}

static void test_prometheus(void)
{
    struct stats s;
    stats_init(&s);
    stats_request(&s, "http://a.example/x");
    stats_response(&s, "http://a.example/x", 0.7, 10, 0);
    stats_request(&s, "http://a.example/x");
    stats_response(&s, "http://a.example/x", 70, 10, 0);
    stats_finished(&s, FAIL_TIMEOUT);
    struct buf b;
    buf_init(&b, 1 << 20);
    struct stats_time t = {1.0, 1.0};
    ok(stats_prometheus(&s, &t, &b) == 0, "prometheus text");
    ok(strstr(b.data, "# TYPE enrich_records_failed_total counter\n") != NULL, "TYPE line");
    ok(strstr(b.data, "enrich_records_failed_total{kind=\"timeout\"} 1\n") != NULL, "kind label");
    ok(strstr(b.data, "enrich_request_duration_seconds_bucket{le=\"0.001\"} 1\n") &&
           strstr(b.data, "enrich_request_duration_seconds_bucket{le=\"0.05\"} 1\n") &&
           strstr(b.data, "enrich_request_duration_seconds_bucket{le=\"0.1\"} 2\n") &&
           strstr(b.data, "enrich_request_duration_seconds_bucket{le=\"+Inf\"} 2\n"),
       "cumulative le buckets");
    ok(strstr(b.data, "enrich_request_duration_seconds_count 2\n") &&
           strstr(b.data, "enrich_request_duration_seconds_sum 0.070700\n"),
       "_sum and _count");
    ok(strstr(b.data, "enrich_host_requests_total{host=\"http://a.example:80\"} 2\n") != NULL,
       "host label");
    buf_free(&b);
    buf_init(&b, 100);
    ok(stats_prometheus(&s, &t, &b) == -1 && b.len == 0, "over the cap: -1, nothing kept");
    buf_free(&b);
    stats_free(&s);
}

int main(void)
{
    test_counts_and_json();
    test_hosts_bounded();
    test_prometheus();
    return tap_done();
}
