/* Checking a record before any request; see check.h. */
#include "check.h"

#include <string.h>

#include "http.h"
#include "jsonvalid.h"
#include "splice.h"

int check_record(const struct check_spec *c, const char *line, size_t n, struct request *req,
                 struct failure *f)
{
    enum jtype type;
    size_t at;
    if (json_validate(line, n, &type, &at) < 0) {
        fail_set(f, FAIL_INVALID_JSON, "invalid JSON near byte %zu", at + 1);
        return -1;
    }
    if (type != J_OBJECT) {
        static const char *const names[] = {"nothing",  "null",     "false",    "true",
                                            "a number", "a string", "an array", "an object"};
        fail_set(f, FAIL_NOT_OBJECT, "the line is %s, not a JSON object", names[type]);
        return -1;
    }
    if (request_build(c->request, line, n, req, f) < 0)
        return -1;
    char why[160];
    if (!request_spec_url_checked(c->request) &&
        http_url_check(req->url.data, why, sizeof(why)) < 0) {
        fail_set(f, FAIL_BAD_REQUEST, "%s", why);
        return -1;
    }
    const char *paths[2] = {c->into, c->error_into};
    for (int i = 0; i < 2; i++) {
        /* Only a member before the last component can block: a path of one
         * component fits any object, and the line is one. */
        size_t pn = strlen(paths[i]);
        if (memchr(paths[i], '.', pn) && splice_blocked(line, n, paths[i], pn) != 0) {
            fail_set(f, FAIL_BAD_REQUEST,
                     "cannot add the %s at '%s': a member on the way is not an object",
                     i == 0 ? "result" : "error", paths[i]);
            return -1;
        }
    }
    return 0;
}
