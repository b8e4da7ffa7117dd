# Sourced by deploy/run-local.sh and bench/*.sh: a private influxd 1.x on loopback ports, data under a folder.
#   start_influxd DATA_DIR HTTP_PORT RPC_PORT LOG_FILE   → sets INFLUXD_PID, returns once /ping answers
start_influxd() {
  local dir=$1 http_port=$2 rpc_port=$3 log=$4
  mkdir -p "$dir"
  cat > "$dir/influxdb.conf" <<CONF
reporting-disabled = true
bind-address = "127.0.0.1:${rpc_port}"
[meta]
  dir = "${dir}/meta"
[data]
  dir = "${dir}/data"
  wal-dir = "${dir}/wal"
  query-log-enabled = false
[http]
  bind-address = "127.0.0.1:${http_port}"
  log-enabled = false
[monitor]
  store-enabled = false
CONF
  influxd run -config "$dir/influxdb.conf" > "$log" 2>&1 &
  INFLUXD_PID=$!
  local _
  for _ in $(seq 1 150); do
    if curl -fs -o /dev/null "http://127.0.0.1:${http_port}/ping"; then return 0; fi
    if ! kill -0 "$INFLUXD_PID" 2>/dev/null; then break; fi
    sleep 0.2
  done
  echo "influxd did not start; see $log" >&2
  return 1
}
