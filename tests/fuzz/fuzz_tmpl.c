/* Fuzz target: the template expander. The first byte picks the mode (URI or raw) and
 * allow_missing; the text up to the first newline is the template, the rest the record,
 * used only when it is a JSON object, as the engine does (each line is validated first). */
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
        if (mode == TMPL_RAW && tmpl_is_single(t)) {
            struct jspan v;
            if (tmpl_single_value(t, rec, rn, &v, &err) == 1)
                FUZZ_CHECK(v.p >= rec && v.p + v.n <= rec + rn);
        }
        buf_free(&out);
    }
    tmpl_free(t);
    return 0;
}
