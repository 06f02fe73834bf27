# Sourced by demo.sh: a throwaway nginx on loopback serving
# files from $dir/www. nginx_up DIR sets nginx_port and nginx_pid and returns
# once the port answers; nginx_down stops it and removes DIR.

nginx_up() {
    dir=$1
    nginx_port=$(tests/mock/mockd --free-port)
    mkdir -p "$dir/www" "$dir/tmp"
    cat >"$dir/nginx.conf" <<CONF
daemon off; worker_processes 1; pid $dir/nginx.pid; error_log $dir/error.log;
$([ "$(id -u)" -eq 0 ] && echo "user root;")
events { worker_connections 1024; }
http { access_log off; keepalive_requests 1000000;
  client_body_temp_path $dir/tmp; proxy_temp_path $dir/tmp; fastcgi_temp_path $dir/tmp;
  uwsgi_temp_path $dir/tmp; scgi_temp_path $dir/tmp;
  server { listen 127.0.0.1:$nginx_port; root $dir/www; default_type application/json; } }
CONF
    /usr/sbin/nginx -c "$dir/nginx.conf" -e "$dir/error.log" &
    nginx_pid=$!
    local n=0
    # Ready when the port answers (bounded: 10 s).
    until (exec 3<>"/dev/tcp/127.0.0.1/$nginx_port") 2>/dev/null; do
        n=$((n + 1))
        if [ $n -ge 500 ] || ! kill -0 "$nginx_pid" 2>/dev/null; then
            echo "nginx did not start:" >&2
            cat "$dir/error.log" >&2
            return 1
        fi
        sleep 0.02
    done
}

nginx_down() {
    if [ -n "${nginx_pid:-}" ]; then
        kill "$nginx_pid" 2>/dev/null
        wait "$nginx_pid" 2>/dev/null
    fi
    rm -rf "$dir"
}
