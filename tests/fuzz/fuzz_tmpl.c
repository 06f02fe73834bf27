/* Fuzz target: the template expander. The first byte picks the mode (URI or raw) and
 * allow_missing; the text up to the first newline is the template, the rest the record,
 * used only when it is a JSON object, as the engine does (each line is validated first).
 * Each expansion is repeated with every value found by walking the record (tmpl_walk_only)
 * and must come out the same. */
#include <string.h>

#include "fuzz.h"
#include "jsonvalid.h"
#include "tmpl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    enum tmpl_mode mode = data[0] & 1 ? TMPL_RAW : TMPL_URI;
    int allow_missing = (data[0] >> 1) & 1;
    const char *text = (const char *)data + 1;
    size_t n = size - 1;
    const char *nl = memchr(text, '\n', n);
    size_t tn = nl ? (size_t)(nl - text) : n;
    char *template = strndup(text, tn);
    if (!template)
        return 0;
    struct tmpl_error err;
    struct tmpl *t = tmpl_parse(template, mode, &err);
    free(template);
    if (!t) {
        FUZZ_CHECK(strlen(err.msg) > 0 && !strchr(err.msg, '\n'));
        return 0;
    }
    const char *rec = nl ? nl + 1 : "{}";
    size_t rn = nl ? n - tn - 1 : 2;
    enum jtype type;
    size_t error_at;
    if (json_validate(rec, rn, &type, &error_at) == 0 && type == J_OBJECT) {
        struct buf out;
        buf_init(&out, 1 << 20);
        enum tmpl_status st = tmpl_expand(t, rec, rn, allow_missing, &out, &err);
        FUZZ_CHECK(st == TMPL_OK || st == TMPL_MISSING || st == TMPL_BAD_VALUE || st == TMPL_NOMEM);
        FUZZ_CHECK(st != TMPL_MISSING || !allow_missing || mode == TMPL_RAW);
        if (st == TMPL_OK && mode == TMPL_URI)
            for (size_t i = 0; i < out.len; i++) /* RFC 6570 output is ASCII, no controls */
                FUZZ_CHECK(out.data[i] > 0x20 && out.data[i] < 0x7f);
        /* The same with every value found by walking the record: the
         * shortcuts taken for valid records must change nothing. */
        struct buf walked;
        struct tmpl_error werr;
        buf_init(&walked, 1 << 20);
        tmpl_walk_only(t, 1);
        enum tmpl_status wst = tmpl_expand(t, rec, rn, allow_missing, &walked, &werr);
        tmpl_walk_only(t, 0);
        FUZZ_CHECK(wst == st);
        if (st == TMPL_OK)
            FUZZ_CHECK(walked.len == out.len &&
                       (out.len == 0 || memcmp(walked.data, out.data, out.len) == 0));
        else
            FUZZ_CHECK(strcmp(werr.msg, err.msg) == 0);
        buf_free(&walked);
        if (mode == TMPL_RAW && tmpl_is_single(t)) {
            struct jspan v;
            int found = tmpl_single_value(t, rec, rn, &v, &err);
            if (found == 1)
                FUZZ_CHECK(v.p >= rec && v.p + v.n <= rec + rn);
            struct jspan wv;
            tmpl_walk_only(t, 1);
            FUZZ_CHECK(tmpl_single_value(t, rec, rn, &wv, &werr) == found);
            if (found == 1)
                FUZZ_CHECK(wv.p == v.p && wv.n == v.n && wv.type == v.type);
        }
        buf_free(&out);
    }
    tmpl_free(t);
    return 0;
}
