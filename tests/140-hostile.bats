#!/usr/bin/env bats
# Hostile servers and an environment that tries to redirect tests: each misbehaving
# upstream gives its documented failure kind, the run goes on to the next record, and
# memory stays bounded.

load helpers/common

setup_file() {
    mock_start
}

teardown_file() {
    mock_stop
}

setup() {
    IN=$BATS_TEST_TMPDIR/in
}

teardown() {
    kill_background_enrich
}

@test "the helpers unset every proxy variable, so a proxy in the environment cannot take test traffic" {
    # A fresh shell with proxies set (to a port where nothing listens) loads the helpers
    # the way a test file does; after that, enrich reaches the mock directly.
    local dead=http://127.0.0.1:1
    run env http_proxy=$dead https_proxy=$dead HTTP_PROXY=$dead HTTPS_PROXY=$dead \
        ALL_PROXY=$dead all_proxy=$dead no_proxy=none NO_PROXY=none \
        bash -c '
            bats_require_minimum_version() { :; }
            bats_load_library() { :; }
            source "$1/tests/helpers/common.bash"
            for v in "${ENRICH_PROXY_VARIABLES[@]}"; do
                [[ -v $v ]] && echo "$v still set"
            done
            echo "{\"id\":1}" | "$ENRICH" --url "$2/p/{id}?body=1"' _ "$ENRICH_ROOT" "$MOCK_URL"
    assert_success
    assert_output '{"id":1,"response":1}'
    # And in this very file, loaded the same way:
    local v
    for v in http_proxy https_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY all_proxy no_proxy NO_PROXY; do
        [[ ! -v $v ]] || fail "$v is set in a test"
    done
}
