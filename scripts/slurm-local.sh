#!/usr/bin/env bash
# A real single-node Slurm cluster for tests: munged, slurmctld and slurmd as root, all
# state in one folder, stopped by pid. Debian's packages (Slurm 22.05) are installed when
# missing.
#
#   scripts/slurm-local.sh start [DIR]   # prints the SLURM_CONF to export
#   scripts/slurm-local.sh stop  [DIR]
#   scripts/slurm-local.sh status [DIR]
#
# DIR defaults to $TRADEOFF_SLURM_DIR or /tmp/tradeoff-slurm. The node has one fake GPU
# (a character device) so that `--gres=gpu:1` requests are scheduled and enforced.
# Facts this relies on: ../shared/research/slurm-local.md (ports 16817/16818 keep clear of
# a system Slurm; DefMemPerCPU lets jobs share the node; batch_sched_delay=0 starts batch
# jobs at once; MinJobAge keeps finished jobs visible to scontrol).
set -euo pipefail

action="${1:-start}"
dir="${2:-${TRADEOFF_SLURM_DIR:-/tmp/tradeoff-slurm}}"

need_root() {
    if [ "$(id -u)" -ne 0 ]; then
        echo "slurm-local: must run as root (the daemons run as root in this test cluster)" >&2
        exit 2
    fi
}

install_packages() {
    if command -v slurmctld >/dev/null && command -v slurmd >/dev/null \
        && command -v sbatch >/dev/null && command -v munged >/dev/null; then
        return
    fi
    echo "slurm-local: installing Debian's slurmctld, slurmd, slurm-client and munge" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends slurmctld slurmd slurm-client munge >/dev/null
}

# Kills a pid from a pid file if it is still the program we started.
stop_pid() {
    local file="$1" comm="$2"
    [ -f "$file" ] || return 0
    local pid
    pid="$(cat "$file" 2>/dev/null || true)"
    if [ -n "$pid" ] && [ -r "/proc/$pid/comm" ] && [ "$(cat "/proc/$pid/comm")" = "$comm" ]; then
        kill "$pid" 2>/dev/null || true
        for _ in $(seq 50); do
            [ -d "/proc/$pid" ] || break
            sleep 0.1
        done
        kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$file"
}

stop() {
    if [ -f "$dir/slurm.conf" ]; then
        export SLURM_CONF="$dir/slurm.conf"
        scancel --quiet --user "$(id -un)" 2>/dev/null || true
        scontrol shutdown >/dev/null 2>&1 || true
        sleep 0.5
    fi
    stop_pid "$dir/slurmd.pid" slurmd
    stop_pid "$dir/slurmctld.pid" slurmctld
    stop_pid "$dir/munged.pid" munged
}

start() {
    need_root
    install_packages
    stop
    rm -rf "$dir"
    mkdir -p "$dir"/{ctld,d,munge,dev}
    # Every folder above munge's socket must be enterable by other users.
    chmod 755 "$dir" "$dir/munge"
    local node cpus boards sockets cores threads memory
    node="$(hostname -s)"
    read -r cpus boards sockets cores threads memory < <(slurmd -C | awk '
        /^NodeName/ { for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] } }
        END { print v["CPUs"], v["Boards"], v["SocketsPerBoard"], v["CoresPerSocket"], v["ThreadsPerCore"], v["RealMemory"] }')
    memory=$((memory * 9 / 10))
    mungekey --create --keyfile="$dir/munge/munge.key" --force >/dev/null 2>&1 \
        || head -c 1024 /dev/urandom >"$dir/munge/munge.key"
    chmod 400 "$dir/munge/munge.key"
    mknod "$dir/dev/fakegpu0" c 1 3
    cat >"$dir/gres.conf" <<EOF
Name=gpu File=$dir/dev/fakegpu0
EOF
    cat >"$dir/slurm.conf" <<EOF
ClusterName=tradeoff-test
SlurmctldHost=$node(127.0.0.1)
SlurmctldPort=16817
SlurmdPort=16818
AuthType=auth/munge
AuthInfo=socket=$dir/munge/munge.socket
CredType=cred/munge
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$dir/ctld
SlurmdSpoolDir=$dir/d
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
DefMemPerCPU=$((memory / cpus))
SchedulerParameters=batch_sched_delay=0
ReturnToService=2
MinJobAge=3600
MaxArraySize=10001
MailProg=/bin/true
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/linux
JobCompType=jobcomp/filetxt
JobCompLoc=$dir/jobcomp.txt
GresTypes=gpu
NodeName=$node NodeAddr=127.0.0.1 CPUs=$cpus Boards=$boards SocketsPerBoard=$sockets CoresPerSocket=$cores ThreadsPerCore=$threads RealMemory=$memory Gres=gpu:1 State=UNKNOWN
PartitionName=debug Nodes=$node Default=YES MaxTime=INFINITE State=UP
EOF
    munged --key-file="$dir/munge/munge.key" --socket="$dir/munge/munge.socket" \
        --pid-file="$dir/munged.pid" --log-file="$dir/munged.log" --seed-file="$dir/munge/seed" --force
    export SLURM_CONF="$dir/slurm.conf"
    slurmctld -f "$SLURM_CONF"
    slurmd -f "$SLURM_CONF" -N "$node"
    # Both daemons fork and exit 0 before reading a bad config: wait for the node to be idle.
    for _ in $(seq 100); do
        if sinfo -h -N -o '%T' 2>/dev/null | grep -qx idle; then
            echo "export SLURM_CONF=$SLURM_CONF"
            return 0
        fi
        sleep 0.2
    done
    echo "slurm-local: the node did not become idle; logs in $dir" >&2
    tail -n 20 "$dir/slurmctld.log" "$dir/slurmd.log" >&2 || true
    stop
    exit 1
}

case "$action" in
    start) start ;;
    stop) stop ;;
    status)
        export SLURM_CONF="$dir/slurm.conf"
        sinfo -N
        ;;
    *)
        echo "usage: $0 start|stop|status [DIR]" >&2
        exit 2
        ;;
esac
