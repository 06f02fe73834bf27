#!/usr/bin/env bats
# URL templates: RFC 6570 expansion over record paths, what counts as missing, template
# syntax errors, allowed schemes, and values that try to climb the path.

load helpers/common

setup_file() {
    mock_start
}

teardown_file() {
    mock_stop
}

setup() {
    mock_log_reset
    IN=$BATS_TEST_TMPDIR/in.ndjson
}

# expands_to RECORD TEMPLATE-PATH TARGET [ENRICH-ARGS...]: enriching RECORD against the
# mock with URL $MOCK_URL + TEMPLATE-PATH succeeds and the mock received exactly TARGET.
expands_to() {
    local record=$1 path=$2 want=$3
    shift 3
    input "$record"
    enrich_stdin "$IN" -0 -- -u "$MOCK_URL$path" "$@"
    run -0 mock_targets
    assert_output "$want"
}

# fails_without_request RECORD TEMPLATE KIND [ENRICH-ARGS...]: the record fails with KIND,
# zero attempts and the matching stderr line, and the mock sees no request. A TEMPLATE
# without "://" is a path on the mock.
fails_without_request() {
    local record=$1 url=$2 kind=$3
    shift 3
    [[ $url == *://* ]] || url=$MOCK_URL$url
    input "$record"
    enrich_stdin "$IN" -1 -- -u "$url" "$@"
    local head="${record%\}},\"error\":{\"kind\":\"$kind\",\"message\":\"" tail='","attempts":0}}'
    [[ $output == "$head"?*"$tail" ]] || fail "want $head...$tail"
    assert_equal "${#lines[@]}" 1
    assert_equal "${#stderr_lines[@]}" 1
    [[ ${stderr_lines[0]} == "enrich: <stdin>:1: $kind: "* ]] || fail "stderr: $stderr"
    assert_equal "$(mock_requests)" 0
}

# bad_template TEMPLATE-PATH: a usage error, reported before any input is read or sent.
bad_template() {
    input '{"id":1,"var":"x","x":"y","a":"b"}'
    enrich_stdin "$IN" -2 -- -u "$MOCK_URL$1"
    assert_output ""
    assert_equal "${#stderr_lines[@]}" 1
    [[ $stderr == "enrich: "*"template"* ]] || fail "no template message: $stderr"
    assert_equal "$(mock_requests)" 0
}

@test "{var} expands a string with everything but unreserved characters percent-encoded" {
    expands_to '{"id":"a b/c?d#e"}' '/users/{id}' '/users/a%20b%2Fc%3Fd%23e'
}

@test "../, ?, & and # in values cannot change the path or add query parameters" {
    # The mock logs the raw request target: each value stays inside its own segment or
    # parameter, percent-encoded.
    expands_to '{"id":"../admin?x=1#f","q":"a&admin=1#x","k":"/etc/passwd"}' \
        '/users/{id}/orders{?q}{&k}' \
        '/users/..%2Fadmin%3Fx%3D1%23f/orders?q=a%26admin%3D1%23x&k=%2Fetc%2Fpasswd'
}

@test "{+var} keeps reserved characters and encodes the rest" {
    expands_to '{"path":"x/y z,k=v"}' '/{+path}' '/x/y%20z,k=v'
}

@test "{#var} adds a fragment that is shown in --dry-run but not sent" {
    expands_to '{"frag":"f/g"}' '/page{#frag}' '/page'
    mock_log_reset
    enrich_stdin "$IN" -0 -- --dry-run -u "$MOCK_URL/page{#frag}"
    assert_output "{\"line\":1,\"method\":\"GET\",\"url\":\"$MOCK_URL/page#f/g\",\"headers\":[],\"body\":null}"
    assert_equal "$(mock_requests)" 0
}

@test "{.var} expands a label with a dot prefix" {
    expands_to '{"ext":"json"}' '/file{.ext}' '/file.json'
}

@test "{/list*} expands each list item as a path segment" {
    expands_to '{"seg":["a","b c","d/e"]}' '/root{/seg*}' '/root/a/b%20c/d%2Fe'
}

@test "{;obj*} expands an object's members as path parameters" {
    expands_to '{"params":{"k":"v","k2":"w x","e":""}}' '/m{;params*}' '/m;k=v;k2=w%20x;e'
}

@test "{?a,b} builds a query and {&c} continues it" {
    expands_to '{"a":1,"b":"two","c":"3 4"}' '/q{?a,b}{&c}' '/q?a=1&b=two&c=3%204'
}

@test "{&c} continues a query written in the template" {
    expands_to '{"c":"x"}' '/q?fixed=1{&c}' '/q?fixed=1&c=x'
}

@test "{var:3} keeps the first three characters, counting characters not bytes" {
    expands_to '{"var":"abcdef","u":"éàüö"}' '/p/{var:3}/{u:2}' '/p/abc/%C3%A9%C3%A0'
}

@test "an object expands as name,value pairs and exploded as name=value pairs" {
    expands_to '{"o":{"x":1,"y":"z"}}' '/o{?o}{&o*}' '/o?o=x,1,y,z&x=1&y=z'
}

@test "a list expands comma-separated and exploded as repeated parameters" {
    expands_to '{"l":[1,"two",true]}' '/l/{l}{?l*}' '/l/1,two,true?l=1&l=two&l=true'
}

@test "dotted paths reach nested members and list items" {
    expands_to '{"user":{"id":7},"items":[{"sku":"S1"},{"sku":"S2"}]}' \
        '/{user.id}/{items.0.sku}/{items.1.sku}' '/7/S1/S2'
}

@test "numbers expand from their original text" {
    expands_to '{"f":1.000,"big":12345678901234567890123,"e":1E400,"neg":-0.0}' \
        '/n/{f}/{big}/{e}/{neg}' '/n/1.000/12345678901234567890123/1E400/-0.0'
}

@test "unicode and escaped characters are percent-encoded as UTF-8" {
    expands_to '{"s":"\u00e9\ud83d\ude00 x","t":"é+&="}' '/u/{s}/{t}' \
        '/u/%C3%A9%F0%9F%98%80%20x/%C3%A9%2B%26%3D'
}

@test "a missing field fails the record as missing_field and sends no request" {
    fails_without_request '{"other":1}' '/users/{id}' missing_field
    assert_output --partial "'id'"
}

@test "a missing field fails only its record; the others are fetched" {
    input '{"id":1}' '{"x":2}' '{"id":3}'
    # -c 1: one request at a time, so the mock's log is in input order.
    enrich_stdin "$IN" -1 -- -c 1 -u "$MOCK_URL/users/{id}?body=%7B%7D"
    assert_line --index 0 '{"id":1,"response":{}}'
    assert_line --index 1 --regexp '^\{"x":2,"error":\{"kind":"missing_field","message":"[^"]+","attempts":0\}\}$'
    assert_line --index 2 '{"id":3,"response":{}}'
    assert_equal "${#lines[@]}" 3
    assert_equal "${#stderr_lines[@]}" 1
    [[ $stderr == "enrich: <stdin>:2: missing_field: "* ]] || fail "stderr: $stderr"
    run -0 mock_targets
    assert_output $'/users/1?body=%7B%7D\n/users/3?body=%7B%7D'
}

@test "a null value counts as missing" {
    fails_without_request '{"id":null}' '/users/{id}' missing_field
}

@test "an empty list counts as missing" {
    fails_without_request '{"id":[]}' '/users/{id}' missing_field
}

@test "an empty object counts as missing" {
    fails_without_request '{"id":{}}' '/users/{id}' missing_field
}

@test "a missing member of a dotted path counts as missing" {
    fails_without_request '{"user":{"name":"x"}}' '/users/{user.id}' missing_field
}

@test "an empty string is defined and expands to nothing" {
    expands_to '{"id":""}' '/users/{id}/x{?id}' '/users//x?id='
}

@test "--allow-missing omits undefined query parameters" {
    input '{"p":1}' '{"x":0}' '{"p":2,"q":null,"r":[]}'
    # -c 1: one request at a time, so the mock's log is in input order.
    enrich_stdin "$IN" -0 -- -c 1 --allow-missing -u "$MOCK_URL/s{?q,p,r}"
    run -0 mock_targets
    assert_output $'/s?p=1\n/s\n/s?p=2'
}

@test "a prefix modifier on a list fails the record as bad_request" {
    fails_without_request '{"l":["abcd","efgh"]}' '/s/{l:2}' bad_request
}

@test "a prefix modifier on an object fails the record as bad_request" {
    fails_without_request '{"o":{"a":"bcd"}}' '/s/{o:2}' bad_request
}

@test "{user%2Did} reaches a key user-id" {
    expands_to '{"user-id":"u9"}' '/users/{user%2Did}' '/users/u9'
}

@test "{user%2Did} prefers a key spelled user%2Did as written" {
    expands_to '{"user-id":"decoded","user%2Did":"literal"}' '/users/{user%2Did}' '/users/literal'
}

@test "template {var:0} is a usage error before any input is read" {
    bad_template '/{var:0}'
}

@test "template {x.} is a usage error before any input is read" {
    bad_template '/{x.}'
}

@test "template {a b} is a usage error before any input is read" {
    bad_template '/{a b}'
}

@test "a template with an unclosed { is a usage error before any input is read" {
    bad_template '/users/{id'
}

@test "an empty expression {} is a usage error" {
    bad_template '/users/{}'
}

@test "a template error is reported before an unreadable FILE" {
    run_enrich -2 -- -u "$MOCK_URL/{x.}" "$BATS_TEST_TMPDIR/missing"
    assert_output ""
    [[ $stderr == *template* && $stderr != *missing* ]] || fail "stderr: $stderr"
}

@test "a template with a non-http scheme is a usage error" {
    input '{"id":1}'
    enrich_stdin "$IN" -2 -- -u 'ftp://127.0.0.1/users/{id}'
    assert_output ""
    assert_equal "${#stderr_lines[@]}" 1
    [[ $stderr == "enrich: "* && $stderr == *ftp://* ]] || fail "stderr: $stderr"
}

@test "{+base} expanding to a non-http URL fails that record as bad_request" {
    input '{"base":"ftp://127.0.0.1/x"}' "{\"base\":\"$MOCK_URL\"}"
    enrich_stdin "$IN" -1 -- -u '{+base}/users?body=%7B%7D'
    assert_line --index 0 --regexp '^\{"base":"ftp://127.0.0.1/x","error":\{"kind":"bad_request","message":"[^"]+","attempts":0\}\}$'
    assert_line --index 1 "{\"base\":\"$MOCK_URL\",\"response\":{}}"
    assert_equal "${#lines[@]}" 2
    [[ $stderr == "enrich: <stdin>:1: bad_request: "* ]] || fail "stderr: $stderr"
    run -0 mock_targets
    assert_output '/users?body=%7B%7D'
}

@test "a value of .. cannot climb the path" {
    fails_without_request '{"id":".."}' '/users/{id}/orders' bad_request
}

@test "a value of . cannot add a dot segment" {
    fails_without_request '{"id":"."}' '/users/{id}/orders' bad_request
}

@test "{+p} with a/../b cannot climb the path" {
    fails_without_request '{"p":"a/../b"}' '/files/{+p}' bad_request
}

@test "{+p} with a percent-encoded %2e%2e segment cannot climb the path" {
    fails_without_request '{"p":"a/%2e%2e/b"}' '/files/{+p}' bad_request
}

@test "{+p} with an upper-case %2E%2E segment cannot climb the path" {
    fails_without_request '{"p":"a/%2E%2E/b"}' '/files/{+p}' bad_request
}

@test "{/list*} with a .. item cannot climb the path" {
    fails_without_request '{"l":["a",".."]}' '/files{/l*}' bad_request
}

@test "a literal ' in a template is allowed and sent as written" {
    expands_to '{"id":"1"}' "/o'brien/{id}?q='x'" "/o'brien/1?q='x'"
}

@test "a template's own literal .. segment is allowed and sent as written" {
    expands_to '{"id":"1"}' '/a/../users/{id}' '/a/../users/1'
}

@test "dots that do not form a whole segment are allowed" {
    expands_to '{"id":"...","f":"a..b","e":"%2e%2e"}' '/users/{id}/{f}/{e}' \
        '/users/.../a..b/%252e%252e'
}

@test "a template error does not print the URL's password" {
    run_enrich -2 -- -u "http://user:pw-s3cret@127.0.0.1:$MOCK_PORT/{x.}" </dev/null
    [[ -n $stderr ]] || fail "no message"
    [[ $stderr != *s3cret* ]] || fail "the password reached stderr: $stderr"
}

@test "a non-http template error does not print the URL's password" {
    run_enrich -2 -- -u "ftp://user:pw-s3cret@127.0.0.1/{x}" </dev/null
    [[ -n $stderr ]] || fail "no message"
    [[ $stderr != *s3cret* ]] || fail "the password reached stderr: $stderr"
}

@test "an empty host from the record fails bad_request instead of taking a host from the path" {
    # http:///127.0.0.1:PORT/x must not become a request to 127.0.0.1:PORT.
    fails_without_request '{"h":""}' "http://{h}/127.0.0.1:$MOCK_PORT/x" bad_request
}

@test "an expanded URL that is malformed fails bad_request with no attempt" {
    # {h} percent-encodes the colon, so the authority is not a valid host.
    fails_without_request "{\"h\":\"127.0.0.1:$MOCK_PORT\"}" 'http://{h}/x' bad_request
}
