#!/usr/bin/env bats
# The test servers themselves: if these fail, every other behaviour test is suspect.

load helpers/common

setup_file() {
    mock_start
    nginx_start
}

teardown_file() {
    mock_stop
    nginx_stop
}

setup() {
    mock_log_reset
}

# curl with the status code appended on its own line.
curl_status() {
    run curl -sS -w '\n%{http_code}' "$@"
}

@test "mockd is ready when mock_start returns and echoes the request as JSON" {
    [[ $MOCK_URL == "http://127.0.0.1:$MOCK_PORT" ]]
    run -0 curl -sS "$MOCK_URL/a/b?x=1"
    assert_output --partial '"method":"GET","target":"/a/b?x=1","path":"/a/b","attempt":1'
    assert_output --partial '"User-Agent":"curl/'
    assert_output --regexp '"body":""}$'
}

@test "mockd echoes a POST body with JSON escaping" {
    run -0 curl -sS --data-binary $'{"q":"a\\b"}\n' "$MOCK_URL/post"
    assert_output --partial '"method":"POST"'
    assert_output --partial '"body":"{\"q\":\"a\\b\"}\n"'
}

# The status curl got for a request to the mock.
status_of() {
    curl -sS -o /dev/null -w '%{http_code}' "$MOCK_URL$1"
}

@test "seq answers each attempt of a key with the next status, then repeats the last" {
    local codes=() i
    for i in 1 2 3 4; do
        codes+=("$(status_of "/s?seq=503,429,200&key=k$i")")
    done
    # Different keys: each is a first attempt.
    [[ "${codes[*]}" == "503 503 503 503" ]] || fail "per-key attempts: ${codes[*]}"
    codes=()
    for i in 1 2 3 4; do
        codes+=("$(status_of "/s?seq=503,429,200&key=one")")
    done
    [[ "${codes[*]}" == "503 429 200 200" ]] || fail "statuses: ${codes[*]}"
    # Without key= the whole target is the key.
    codes=("$(status_of "/t?seq=500,201")" "$(status_of "/t?seq=500,201")")
    [[ "${codes[*]}" == "500 201" ]] || fail "default key: ${codes[*]}"
}

@test "status, body, type and header script the response" {
    local body=%7B%22ok%22%3Atrue%7D
    curl_status -i "$MOCK_URL/x?status=201&body=$body&type=text/plain&header=Retry-After:%207"
    assert_line --index 0 --regexp '^HTTP/1.1 201 Created'
    assert_output --partial $'Content-Type: text/plain\r'
    assert_output --partial $'Retry-After: 7\r'
    assert_line --index -2 '{"ok":true}'
    assert_line --index -1 '201'
}

@test "fault=reset makes the client see a connection reset" {
    run curl -sS "$MOCK_URL/r?fault=reset"
    assert_failure 56
    assert_output --partial 'reset by peer'
    [[ $(mock_requests) -eq 1 ]]
}

@test "close, garbage, truncate, hang and badjson break the response as named" {
    run curl -sS "$MOCK_URL/f?fault=close"
    assert_failure 52
    run curl -sS "$MOCK_URL/f?fault=garbage"
    assert_failure
    run curl -sS "$MOCK_URL/f?fault=truncate"
    assert_failure 18
    run curl -sS --max-time 0.5 "$MOCK_URL/f?fault=hang"
    assert_failure 28
    run -0 curl -sS "$MOCK_URL/f?fault=badjson"
    assert_output '{"a":'
    run curl -sS "$MOCK_URL/f?fsq=reset,none&key=fsq"
    assert_failure 56
    run -0 curl -sS "$MOCK_URL/f?fsq=reset,none&key=fsq"
}

@test "delay holds the response but the log line is written on arrival" {
    curl -sS -o /dev/null "$MOCK_URL/slow?delay=1500" &
    local pid=$! i
    for ((i = 0; i < 100; i++)); do
        [[ $(mock_requests) -eq 1 ]] && break
        sleep 0.01
    done
    [[ $(mock_requests) -eq 1 ]] || fail "no log line within 1 s of a 1.5 s request"
    kill -0 "$pid" || fail "the delayed response came early"
    wait "$pid"
}

@test "big=N returns a JSON string of exactly N bytes" {
    run -0 curl -sS "$MOCK_URL/b?big=200000"
    [[ ${#output} -eq 200000 ]] || fail "got ${#output} bytes"
    [[ $output =~ ^\"x+\"$ ]] || fail "not a JSON string"
}

@test "chunked=1 sends the body chunked, without Content-Length" {
    run -0 curl -sS -D "$BATS_TEST_TMPDIR/head" "$MOCK_URL/c?big=200000&chunked=1"
    [[ ${#output} -eq 200000 ]] || fail "got ${#output} bytes"
    run -0 cat "$BATS_TEST_TMPDIR/head"
    assert_output --partial $'Transfer-Encoding: chunked\r'
    refute_output --partial 'Content-Length'
    run -0 curl -sS "$MOCK_URL/c?body=hello&chunked=1"
    assert_output 'hello'
}

@test "without type= there is no Content-Type; type=T sends T" {
    run -0 curl -sS -D - -o /dev/null "$MOCK_URL/t"
    refute_output --partial 'Content-Type'
    run -0 curl -sS -D - -o /dev/null "$MOCK_URL/t?type=application/problem%2Bjson"
    assert_output --partial $'Content-Type: application/problem+json\r'
}

@test "bodydelay=MS sends the head at once and the body MS later" {
    # curl prints the status as soon as the head arrives; the body ends the transfer.
    run -0 curl -sS -o /dev/null -w '%{time_starttransfer} %{time_total}' \
        "$MOCK_URL/bd?body=x&bodydelay=1000"
    local first total
    read -r first total <<<"$output"
    [[ ${first%.*} -eq 0 && ${total%.*} -ge 1 ]] || fail "head after $first s, body after $total s"
}

@test "bighdr=N adds an X-Big header line of exactly N bytes" {
    local line
    line=$(curl -sS -D - -o /dev/null "$MOCK_URL/h?bighdr=50000" | grep '^X-Big: ')
    [[ $line =~ ^X-Big:\ x+$'\r'$ ]] || fail "not a header of x's"
    # The line keeps its CR; the LF makes up the N-th byte.
    [[ $((${#line} + 1)) -eq 50000 ]] || fail "line of $((${#line} + 1)) bytes with its LF"
}

@test "the log has one line per request with time, connection, attempt, method and target" {
    # Two URLs in one curl run share a keep-alive connection.
    run -0 curl -sS -o /dev/null -o /dev/null "$MOCK_URL/one?key=a" "$MOCK_URL/two?key=a"
    run -0 curl -sS -o /dev/null -X PUT "$MOCK_URL/three"
    [[ $(mock_requests) -eq 3 ]]
    run -0 cat "$MOCK_LOG"
    assert_line --index 0 --regexp '^[0-9]+\.[0-9]{3} [0-9]+ 1 GET /one\?key=a$'
    assert_line --index 1 --regexp '^[0-9]+\.[0-9]{3} [0-9]+ 2 GET /two\?key=a$'
    assert_line --index 2 --regexp '^[0-9]+\.[0-9]{3} [0-9]+ 1 PUT /three$'
    local conn=() line
    for line in "${lines[@]}"; do
        read -r _ id _ <<<"$line"
        conn+=("$id")
    done
    [[ ${conn[0]} == "${conn[1]}" ]] || fail "keep-alive connection not reused: ${conn[*]}"
    [[ ${conn[1]} != "${conn[2]}" ]] || fail "separate curl runs shared a connection: ${conn[*]}"
    run -0 mock_targets
    assert_output $'/one?key=a\n/two?key=a\n/three'
}

@test "a second mockd gets its own port and variables, and stops cleanly" {
    mock_start extra
    [[ $EXTRA_PORT != "$MOCK_PORT" ]]
    run -0 curl -sS "$EXTRA_URL/only-extra"
    [[ $(mock_requests extra) -eq 1 ]]
    [[ $(mock_requests) -eq 0 ]]
    # A hung connection must not keep mockd from exiting.
    curl -sS --max-time 20 -o /dev/null "$EXTRA_URL/h?fault=hang" 3>&- &
    local pid=$! i
    for ((i = 0; i < 500; i++)); do
        [[ $(mock_requests extra) -eq 2 ]] && break
        sleep 0.02
    done
    [[ $(mock_requests extra) -eq 2 ]] || fail "the hanging request never arrived"
    mock_stop extra
    ! kill -0 "$EXTRA_PID" 2>/dev/null
    wait "$pid" || true
}

@test "mockd answers a malformed request with 400 and keeps serving" {
    run -0 bash -c 'exec 9<>"/dev/tcp/127.0.0.1/$1"; printf "NOT HTTP\r\n\r\n" >&9; cat <&9' \
        _ "$MOCK_PORT"
    assert_line --index 0 $'HTTP/1.1 400 Bad Request\r'
    run -0 curl -sS "$MOCK_URL/after"
    assert_output --partial '"target":"/after"'
}

@test "nginx echo location returns the request uri" {
    run -0 curl -sS "$NGINX_URL/echo/abc?x=1"
    assert_output '{"uri":"/echo/abc?x=1","method":"GET"}'
    curl_status "$NGINX_URL/status/503"
    assert_line --index -1 '503'
    echo '{"static":1}' >"$NGINX_ROOT/file.json"
    run -0 curl -sS "$NGINX_URL/file.json"
    assert_output '{"static":1}'
    run -0 grep -c ' GET /echo/abc?x=1 200$' "$NGINX_ACCESS_LOG"
}
