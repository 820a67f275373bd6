# Sourced by scripts/kafka-*.sh and scripts/pulsar-*.sh: what running a standalone broker as a
# background process needs, whichever broker it is. The caller defines fail() (one line, exit 1).

port_in_use() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# is_our_process PID MAIN_CLASS: a stale PID file may name a process that reused the number.
is_our_process() {
  kill -0 "$1" 2>/dev/null && grep -qa "$2" "/proc/$1/cmdline" 2>/dev/null
}

# refuse_if_running PID_FILE MAIN_CLASS ADDRESS_FILE STOP_SCRIPT
refuse_if_running() {
  local pid_file=$1 main_class=$2 address_file=$3 stop_script=$4 old_pid
  [ -f "$pid_file" ] || return 0
  old_pid=$(cat "$pid_file")
  if is_our_process "$old_pid" "$main_class"; then
    fail "already running (pid $old_pid, $(cat "$address_file" 2>/dev/null || echo 'address unknown')); stop it with $stop_script"
  fi
  rm -f "$pid_file"
}

# await_ready PID PID_FILE LOG_FILE TIMEOUT_S READY_COMMAND...: waits until READY_COMMAND succeeds;
# stops the broker and fails if it exits or the time runs out first.
await_ready() {
  local pid=$1 pid_file=$2 log_file=$3 timeout_s=$4
  shift 4
  local deadline=$((SECONDS + timeout_s))
  until "$@"; do
    if ! kill -0 "$pid" 2>/dev/null; then
      rm -f "$pid_file"
      fail "broker exited during startup; see $log_file"
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      kill "$pid" 2>/dev/null || true
      rm -f "$pid_file"
      fail "broker not ready within ${timeout_s}s, stopped it; see $log_file"
    fi
    sleep 0.2
  done
}

# log_has_since LOG_FILE OFFSET PATTERN: the log gained a line matching PATTERN after OFFSET bytes.
# grep -c rather than -q: -q would close the pipe early and pipefail would report tail's SIGPIPE.
log_has_since() {
  tail -c +"$(($2 + 1))" "$1" 2>/dev/null | grep -c "$3" >/dev/null
}

# stop_broker NAME PID_FILE MAIN_CLASS ADDRESS_FILE TIMEOUT_S: SIGTERM (the broker's clean
# shutdown), then SIGKILL if it has not exited in time.
stop_broker() {
  local name=$1 pid_file=$2 main_class=$3 address_file=$4 timeout_s=$5 pid deadline
  if [ ! -f "$pid_file" ]; then
    echo "$name: not running (no $pid_file)" >&2
    return 0
  fi
  pid=$(cat "$pid_file")
  if ! is_our_process "$pid" "$main_class"; then
    rm -f "$pid_file" "$address_file"
    echo "$name: not running (removed stale PID file for pid $pid)" >&2
    return 0
  fi
  kill -TERM "$pid" || fail "could not signal pid $pid"
  deadline=$((SECONDS + timeout_s))
  while kill -0 "$pid" 2>/dev/null; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      echo "$name: pid $pid still running after ${timeout_s}s, sending SIGKILL" >&2
      kill -KILL "$pid" 2>/dev/null || true
      sleep 0.5
      if kill -0 "$pid" 2>/dev/null; then
        fail "pid $pid survived SIGKILL"
      fi
      break
    fi
    sleep 0.2
  done
  rm -f "$pid_file" "$address_file"
  echo "$name: stopped (pid $pid)" >&2
}
