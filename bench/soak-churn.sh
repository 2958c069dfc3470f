#!/usr/bin/env bash
# Churn for the soak (bench/soak.mjs): short-lived processes at RATE a second, PID reuse forced
# through /proc/sys/kernel/ns_last_pid, memory cgroups created and removed, and now and then a
# real OOM kill inside a 16 MiB cgroup. Everything it starts is its own child; the soak ends it
# by its process group. Usage: soak-churn.sh RATE CGROUP_PREFIX
set -u
rate=${1:-80}
prefix=${2:-oomtop-soak-$$}
memcg=/sys/fs/cgroup/memory
per=$(( rate / 10 )); [ "$per" -lt 1 ] && per=1
can_cg=0; [ -w "$memcg" ] && [ -e "$memcg/memory.limit_in_bytes" ] && can_cg=1
can_pid=0; [ -w /proc/sys/kernel/ns_last_pid ] && can_pid=1
n=0
last=()
cleanup() {
  for d in "$memcg/$prefix"-*; do [ -d "$d" ] && rmdir "$d" 2>/dev/null; done
}
trap cleanup EXIT
while :; do
  n=$((n + 1))
  for ((i = 0; i < per; i++)); do
    sleep 0.$((RANDOM % 4 + 1)) &
    last[i]=$!
  done
  # PID reuse: the next fork takes the PID of a sleeper that just ended.
  if [ "$can_pid" = 1 ] && [ $((n % 5)) = 0 ] && [ -n "${last[0]:-}" ]; then
    wait "${last[0]}" 2>/dev/null
    echo $(( ${last[0]} - 1 )) > /proc/sys/kernel/ns_last_pid 2>/dev/null
    sleep 0.3 &
  fi
  if [ "$can_cg" = 1 ]; then
    # A cgroup a second comes and goes, with a process in it for its lifetime.
    if [ $((n % 10)) = 0 ]; then
      d="$memcg/$prefix-c$n"
      if mkdir "$d" 2>/dev/null; then
        echo $((64 << 20)) > "$d/memory.limit_in_bytes"
        ( echo "$BASHPID" > "$d/cgroup.procs" && exec sleep 2 ) &
      fi
      old="$memcg/$prefix-c$((n - 40))"
      [ -d "$old" ] && rmdir "$old" 2>/dev/null
    fi
    # A real OOM kill every 15 s, in a 16 MiB cgroup (tail /dev/zero grows until the kernel kills it).
    if [ $((n % 150)) = 75 ]; then
      d="$memcg/$prefix-oom$n"
      if mkdir "$d" 2>/dev/null; then
        echo $((16 << 20)) > "$d/memory.limit_in_bytes"
        ( echo "$BASHPID" > "$d/cgroup.procs" && exec tail /dev/zero ) &
      fi
      old="$memcg/$prefix-oom$((n - 150))"
      [ -d "$old" ] && rmdir "$old" 2>/dev/null
    fi
  fi
  sleep 0.1
done
