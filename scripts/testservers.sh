#!/usr/bin/env bash
# Start/stop the real servers the Kundweb test-suite needs, all on 127.0.0.1:
#   - Samba AD DC (LDAP on 389/636), a fresh domain KUNDWEB.TEST with test users/groups
#   - PostgreSQL 15 throwaway cluster on port 5433
# State lives in <repo>/.testservers/ (git-ignored). Needs root (Samba binds 389/636).
#
# Usage: scripts/testservers.sh start|stop
#   start  stops servers of a previous start (by PID file), then provisions and starts
#          fresh ones and writes .testservers/env (shell `export` lines to `source`).
#   stop   stops the servers we started (by PID file / data dir) and removes the state.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
TS="$ROOT/.testservers"
SAMBA_DIR="$TS/samba"
SAMBA_CONF="$SAMBA_DIR/etc/smb.conf"
SAMBA_PIDFILE="$TS/samba.pid"
SAMBA_LOG="$TS/samba.log"
PG_DIR="$TS/pg"
PG_LOG="$TS/pg.log"
PG_BIN="/usr/lib/postgresql/15/bin"
PG_PORT=5433
PG_DB=kundweb_test
PY="$ROOT/.venv/bin/python"

REALM=KUNDWEB.TEST
DOMAIN=KUNDWEB
UPN_SUFFIX=kundweb.test
BASE_DN="DC=kundweb,DC=test"
ADMIN_PW='Adm1n!Passw0rd'
SVC_USER=svc-kundweb
SVC_PW='Svc-kundweb-pw-1'
LDAP_URL="ldap://127.0.0.1:389"

T0=$(date +%s.%N)
elapsed() { awk -v a="$T0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}'; }
log() { printf '[testservers %5ss] %s\n' "$(elapsed)" "$*"; }
die() { printf '[testservers] ERROR: %s\n' "$*" >&2; exit 1; }

# Is anything listening on TCP 127.0.0.1/0.0.0.0/:: port $1?
port_in_use() {
    [ -n "$(ss -Hltn "sport = :$1" 2>/dev/null)" ]
}

# --------------------------------------------------------------------------- stop
# Does process group $1 still have a live (non-zombie) member?
pgroup_alive() {
    ps -e -o pgid=,stat= | awk -v g="$1" '$1 == g && $2 !~ /^Z/ {found=1} END {exit !found}'
}
# Is pid $1 alive and not a zombie?
pid_alive() {
    local st
    st="$(ps -o stat= -p "$1" 2>/dev/null)" || return 1
    [ -n "$st" ] && [[ "$st" != Z* ]]
}
is_our_samba() {
    local pid=$1 f
    [ "$(readlink -f "/proc/$pid/exe" 2>/dev/null)" = "$(readlink -f "$(command -v samba)")" ] || return 1
    for f in /proc/"$pid"/fd/*; do
        case "$(readlink "$f" 2>/dev/null)" in "$TS"/*) return 0 ;; esac
    done
    return 1
}

stop_samba() {
    [ -f "$SAMBA_PIDFILE" ] || return 0
    local pid
    pid="$(tr -dc '0-9' <"$SAMBA_PIDFILE")"
    rm -f "$SAMBA_PIDFILE"
    [ -n "$pid" ] || return 0
    if ! pid_alive "$pid"; then
        log "samba (pid $pid) not running"
        return 0
    fi
    # Only touch it if it really is the samba we started. (Its cmdline cannot be used:
    # samba rewrites it to "samba: root process".) Ours runs /usr/sbin/samba and has
    # files under $TS open (stdin FIFO, log, sam.ldb).
    if ! is_our_samba "$pid"; then
        log "pid $pid is not our samba; leaving it alone"
        return 0
    fi
    # We started samba with setsid, so it leads its own process group: signal the group.
    local group=0 i
    [ "$(ps -o pgid= -p "$pid" | tr -d ' ')" = "$pid" ] && group=1
    alive() { if [ $group = 1 ]; then pgroup_alive "$pid"; else pid_alive "$pid"; fi; }
    sig() { if [ $group = 1 ]; then kill "-$1" -- "-$pid" 2>/dev/null; else kill "-$1" "$pid" 2>/dev/null; fi || true; }
    log "stopping samba (pid $pid)"
    sig TERM
    for i in $(seq 1 100); do   # up to 10 s
        alive || break
        sleep 0.1
    done
    if alive; then
        log "samba did not exit after SIGTERM; sending SIGKILL"
        sig KILL
        for i in $(seq 1 50); do
            alive || break
            sleep 0.1
        done
    fi
}

stop_pg() {
    if [ -f "$PG_DIR/postmaster.pid" ]; then
        log "stopping postgresql ($PG_DIR)"
        runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$PG_DIR" -w -t 30 stop -m fast >/dev/null 2>&1 \
            || log "pg_ctl stop failed (already stopped?)"
    fi
}

do_stop() {
    stop_samba
    stop_pg
    if [ -d "$TS" ]; then
        find "$TS" -mindepth 1 -delete
    fi
    log "stopped"
}

# -------------------------------------------------------------------------- start
start_samba() {
    log "provisioning samba AD DC ($REALM) into $SAMBA_DIR"
    mkdir -p "$SAMBA_DIR/log" "$SAMBA_DIR/run"
    samba-tool domain provision \
        --realm="$REALM" --domain="$DOMAIN" --server-role=dc --dns-backend=NONE \
        --adminpass="$ADMIN_PW" --targetdir="$SAMBA_DIR" \
        --option="interfaces = lo" \
        --option="bind interfaces only = yes" \
        --option="server services = ldap, cldap" \
        --option="log file = $SAMBA_DIR/log/log.%m" \
        --option="pid directory = $SAMBA_DIR/run" \
        --option="ncalrpc dir = $SAMBA_DIR/run/ncalrpc" \
        --option="winbindd socket directory = $SAMBA_DIR/run/winbindd" \
        >"$TS/provision.log" 2>&1 || { tail -n 30 "$TS/provision.log" >&2; die "samba-tool domain provision failed (see $TS/provision.log)"; }
    # Provision drops this option; without it a plain simple bind on 389 is refused.
    sed -i '/^\[global\]/a\\tldap server require strong auth = no' "$SAMBA_CONF"
    grep -q 'ldap server require strong auth = no' "$SAMBA_CONF" || die "could not patch $SAMBA_CONF"

    log "starting samba"
    # -i (interactive) makes samba exit on EOF on stdin, and background jobs get
    # /dev/null as stdin. So give it a FIFO opened read-write: samba itself holds the
    # write end, so its stdin never reaches EOF and never has data.
    # setsid puts samba (and any children) in its own process group for `stop`.
    local fifo="$TS/samba.stdin"
    rm -f "$fifo"
    mkfifo "$fifo"
    setsid samba -i -M single -s "$SAMBA_CONF" <>"$fifo" >"$SAMBA_LOG" 2>&1 &
    local pid=$!
    echo "$pid" >"$SAMBA_PIDFILE"

    local deadline=$((SECONDS + 60))
    # A bound base search of the rootDSE (ldapwhoami cannot be used: Samba does not
    # implement the WhoAmI extended operation and answers it with protocolError).
    until ldapsearch -x -H "$LDAP_URL" -D "Administrator@$UPN_SUFFIX" -w "$ADMIN_PW" \
            -b '' -s base defaultNamingContext >/dev/null 2>&1; do
        if ! kill -0 "$pid" 2>/dev/null; then
            tail -n 30 "$SAMBA_LOG" >&2
            die "samba exited during start-up (see $SAMBA_LOG)"
        fi
        [ "$SECONDS" -lt "$deadline" ] || { tail -n 30 "$SAMBA_LOG" >&2; die "samba did not answer an LDAP bind on 389 within 60 s"; }
        sleep 0.2
    done
    log "samba up (pid $pid), LDAP bind OK"
}

# samba-tool commands are queued with `st ARGS...` and run by `st_flush` in ONE python
# process through samba-tool's own dispatcher (/usr/bin/samba-tool is a thin wrapper
# around it). Same commands and flags as calling samba-tool each time, but ~0.45 s of
# interpreter/samba start-up per call saved (23 calls: ~13 s -> ~3 s).
# Fields are separated by \x1f, commands by newlines (values contain neither).
ST_QUEUE=()
st() {
    local IFS=$'\x1f'
    ST_QUEUE+=("$*"$'\x1f'"-s"$'\x1f'"$SAMBA_CONF")
}
st_flush() {
    [ ${#ST_QUEUE[@]} -gt 0 ] || return 0
    # samba's python bindings are only in the system python (python3 on PATH may be pyenv).
    printf '%s\n' "${ST_QUEUE[@]}" | /usr/bin/python3 -c '
import signal, sys
signal.signal(signal.SIGINT, signal.SIG_DFL)
from samba.netcmd.main import cmd_sambatool
for line in sys.stdin:
    argv = line.rstrip("\n").split("\x1f")
    try:
        rc = cmd_sambatool()._run("samba-tool", argv[0], *argv[1:])
    except SystemExit as e:
        rc = e.code
    except Exception as e:
        cmd_sambatool().show_command_error(e)
        rc = 1
    if rc:
        sys.exit("samba-tool %s failed (exit %s)" % (" ".join(argv), rc))
' >/dev/null || die "samba-tool batch failed"
    ST_QUEUE=()
}

populate_samba() {
    log "creating password policy, groups, users and memberships (samba-tool)"
    st domain passwordsettings set --complexity=off --history-length=0 --min-pwd-age=0 --max-pwd-age=0

    local g
    for g in KW-Kundtjanst KW-Kommunikation KW-Kundcenterledning KW-Kundtjanst-Kvall KW-Kvall-Vikarier KW-Ovrigt; do
        st group add "$g"
    done

    # user|given|surname|phone|department|title   (password: <Given>-pw-1)
    local users=(
        "anna|Anna|Andersson|+46 8 555 101 01|Ekonomi|Ekonomiassistent"
        "bertil|Bertil|Öberg|+46 8 555 101 02|Kundtjänst|Kundhandläggare"
        "cecilia|Cecilia|Lindström|+46 8 555 101 03|Kommunikation|Kommunikatör"
        "david|David|Nilsson|+46 8 555 101 04|Kundcenter|Kundcenterchef"
        "erik|Erik|Åström|+46 8 555 101 05|Kundtjänst|Kvällsvikarie"
        "frida|Frida|Holm|+46 8 555 101 06|Kundtjänst|Kundhandläggare och kommunikatör"
        "gustav|Gustav|Berg|+46 8 555 101 07|Kundtjänst|Kundhandläggare"
        "helena|Helena|Strand|+46 8 555 101 08|Kundtjänst|Kundhandläggare"
        "ivar|Ivar|Lund|+46 8 555 101 09|Kundtjänst|Konsult"
    )
    local line u given sn phone dept title
    for line in "${users[@]}"; do
        IFS='|' read -r u given sn phone dept title <<<"$line"
        # CN becomes "<Given> <Surname>" (samba-tool default, as in real AD).
        st user create "$u" "${given}-pw-1" \
            "--given-name=$given" "--surname=$sn" "--mail-address=$u@$UPN_SUFFIX" \
            "--telephone-number=$phone" "--department=$dept" "--job-title=$title"
    done
    # Service account for the app's searches; CN = sAMAccountName (no given/surname).
    st user create "$SVC_USER" "$SVC_PW" "--description=Kundweb service account" --department=IT

    # KW-Kundtjanst-Kvall is nested in KW-Kundtjanst, KW-Kvall-Vikarier in KW-Kundtjanst-Kvall:
    # erik is an agent only through two levels of nesting. anna, helena, ivar: no groups.
    st group addmembers KW-Kundtjanst bertil,frida,gustav,KW-Kundtjanst-Kvall
    st group addmembers KW-Kundtjanst-Kvall KW-Kvall-Vikarier
    st group addmembers KW-Kvall-Vikarier erik
    st group addmembers KW-Kommunikation cecilia,frida
    st group addmembers KW-Kundcenterledning david

    st user disable helena
    st_flush

    log "setting displayName, ipPhone and ivar's accountExpires over LDAP"
    "$PY" - "$LDAP_URL" "Administrator@$UPN_SUFFIX" "$ADMIN_PW" "$BASE_DN" <<'PYEOF'
import sys
from ldap3 import Server, Connection, MODIFY_REPLACE
url, user, pw, base = sys.argv[1:5]
conn = Connection(Server(url), user=user, password=pw, auto_bind=True)
attrs = {  # sAMAccountName: (displayName, ipPhone)
    "anna": ("Anna Andersson", "2101"),
    "bertil": ("Bertil Öberg", "2102"),
    "cecilia": ("Cecilia Lindström", "2103"),
    "david": ("David Nilsson", "2104"),
    "erik": ("Erik Åström", "2105"),
    "frida": ("Frida Holm", "2106"),
    "gustav": ("Gustav Berg", "2107"),
    "helena": ("Helena Strand", "2108"),
    "ivar": ("Ivar Lund", "2109"),
    "svc-kundweb": ("Kundweb tjänstekonto", None),
}
# 2020-01-01T00:00:00Z as a Windows FILETIME (100 ns ticks since 1601-01-01)
EXPIRED = 116444736000000000 + 1577836800 * 10**7
for sam, (display, ip) in attrs.items():
    conn.search(base, f"(sAMAccountName={sam})", attributes=["cn"])
    if len(conn.entries) != 1:
        sys.exit(f"user {sam} not found")
    dn = conn.entries[0].entry_dn
    changes = {"displayName": [(MODIFY_REPLACE, [display])]}
    if ip:
        changes["ipPhone"] = [(MODIFY_REPLACE, [ip])]
    if sam == "ivar":
        changes["accountExpires"] = [(MODIFY_REPLACE, [str(EXPIRED)])]
    if not conn.modify(dn, changes):
        sys.exit(f"modify {dn} failed: {conn.result}")
conn.unbind()
PYEOF
}

start_pg() {
    log "initialising postgresql cluster in $PG_DIR"
    mkdir -p "$PG_DIR"
    chmod 755 "$TS"          # postgres must be able to traverse to its data dir
    chown postgres:postgres "$PG_DIR"
    chmod 700 "$PG_DIR"
    runuser -u postgres -- "$PG_BIN/initdb" -D "$PG_DIR" -U postgres -A trust -E UTF8 --locale=C.UTF-8 \
        >"$TS/initdb.log" 2>&1 || { tail -n 20 "$TS/initdb.log" >&2; die "initdb failed"; }
    touch "$PG_LOG"; chown postgres:postgres "$PG_LOG"
    runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$PG_DIR" -l "$PG_LOG" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -c port=$PG_PORT -c unix_socket_directories=$PG_DIR -c fsync=off" \
        start >/dev/null || { tail -n 20 "$PG_LOG" >&2; die "postgresql failed to start (see $PG_LOG)"; }
    runuser -u postgres -- "$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres "$PG_DB"
    log "postgresql up on 127.0.0.1:$PG_PORT, database $PG_DB"
}

# Single-quote a value for the shell.
shq() { printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"; }

write_env() {
    local f="$TS/env"
    {
        echo "# Generated by scripts/testservers.sh start; source this file."
        local kv
        for kv in \
            "KUNDWEB_TEST_AD_URL=$LDAP_URL" \
            "KUNDWEB_TEST_AD_BASE_DN=$BASE_DN" \
            "KUNDWEB_TEST_AD_DOMAIN=$DOMAIN" \
            "KUNDWEB_TEST_AD_UPN_SUFFIX=$UPN_SUFFIX" \
            "KUNDWEB_TEST_AD_BIND_DN=CN=$SVC_USER,CN=Users,$BASE_DN" \
            "KUNDWEB_TEST_AD_BIND_PASSWORD=$SVC_PW" \
            "KUNDWEB_TEST_AD_ADMIN_DN=CN=Administrator,CN=Users,$BASE_DN" \
            "KUNDWEB_TEST_AD_ADMIN_PASSWORD=$ADMIN_PW" \
            "KUNDWEB_TEST_SAMBA_CONF=$SAMBA_CONF" \
            "KUNDWEB_TEST_SAMBA_PIDFILE=$SAMBA_PIDFILE" \
            "KUNDWEB_TEST_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1:$PG_PORT/$PG_DB"
        do
            echo "export ${kv%%=*}=$(shq "${kv#*=}")"
        done
    } >"$f"
    log "wrote $f"
}

PG_JOB=
cleanup_failed_start() {
    local rc=$?
    [ "$rc" -ne 0 ] || return 0
    log "start failed; stopping what was started"
    if [ -n "$PG_JOB" ]; then wait "$PG_JOB" 2>/dev/null || true; fi
    stop_samba || true
    stop_pg || true
    exit "$rc"
}

do_start() {
    [ "$(id -u)" = 0 ] || die "must run as root (samba binds ports 389/636, initdb runs via runuser)"
    [ -x "$PY" ] || die "venv python not found at $PY"
    command -v samba >/dev/null || die "samba not installed"
    [ -x "$PG_BIN/initdb" ] || die "PostgreSQL 15 binaries not found in $PG_BIN"

    if [ -f "$SAMBA_PIDFILE" ] || [ -f "$PG_DIR/postmaster.pid" ]; then
        log "previous servers found; stopping them first"
    fi
    do_stop
    local p
    for p in 389 636; do
        port_in_use "$p" && die "port $p is already in use by a process we did not start (packaged samba/slapd?): $(ss -Hltnp "sport = :$p" | head -n 3)"
    done
    port_in_use "$PG_PORT" && die "port $PG_PORT is already in use by a process we did not start: $(ss -Hltnp "sport = :$PG_PORT" | head -n 3)"

    mkdir -p "$TS"
    chmod 755 "$TS"
    # On any failure from here on, stop what we already started.
    trap cleanup_failed_start EXIT
    # PostgreSQL is independent of Samba: set it up in parallel with the (CPU-bound,
    # single-threaded) samba provisioning.
    start_pg >"$TS/pg-start.out" 2>&1 &
    PG_JOB=$!
    start_samba
    populate_samba
    local pg_job=$PG_JOB
    PG_JOB=
    if ! wait "$pg_job"; then
        cat "$TS/pg-start.out" >&2
        die "postgresql set-up failed"
    fi
    sed "s/^\[testservers /[testservers pg /" "$TS/pg-start.out"   # ran in parallel, times from start
    write_env
    trap - EXIT
    log "all servers up in $(elapsed) s"
}

case "${1:-}" in
    start) do_start ;;
    stop) do_stop ;;
    *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
