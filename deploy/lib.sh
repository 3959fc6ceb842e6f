# Shared by run-local.sh and test.sh: set-up steps on a Debian machine.

# as_root runs a command as root: directly when we are root, else with sudo.
as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# as_postgres runs a command as the postgres system user (peer
# authentication over the Unix socket needs no password).
as_postgres() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else sudo -u postgres "$@"; fi
}

# INSTALL_LOG is where package installs and server set-up write their
# output: the scripts stay quiet, and say one line (naming the log) when a
# step fails.
INSTALL_LOG="${INSTALL_LOG:-$PWD/.run/install.log}"
mkdir -p "$(dirname "$INSTALL_LOG")"

# logged runs a command with its output appended to INSTALL_LOG.
logged() {
  echo "+ $*" >>"$INSTALL_LOG"
  "$@" >>"$INSTALL_LOG" 2>&1
}

# apt_install installs Debian packages that are missing (as root, or with sudo).
apt_install() {
  local missing=()
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  # policy-rc.d may forbid starting services (containers): the install
  # still creates the cluster, which ensure_postgres then starts itself.
  if ! logged as_root apt-get update -qq \
     || ! logged as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"; then
    echo "installing ${missing[*]} failed; see $INSTALL_LOG" >&2
    return 1
  fi
}

# ensure_postgres makes sure a PostgreSQL server answers on 127.0.0.1:5432
# and lets the postgres user in over TCP without a password, as the tests
# and run-local.sh expect: it installs Debian's postgresql when missing,
# creates its cluster when there is none, starts it without systemd (a
# container has none), and adds trust lines for postgres from 127.0.0.1 and
# ::1 to pg_hba.conf when a password would be asked.
ensure_postgres() {
  if pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null \
     && psql -w -h 127.0.0.1 -p 5432 -U postgres -Atc 'select 1' >/dev/null 2>&1; then
    return 0
  fi
  command -v pg_ctlcluster >/dev/null 2>&1 && command -v psql >/dev/null 2>&1 \
    || apt_install postgresql postgresql-client
  local ver
  ver=$(ls /usr/lib/postgresql 2>/dev/null | sort -n | tail -1)
  if [ -z "$ver" ]; then echo "PostgreSQL is not installed (no /usr/lib/postgresql/N)" >&2; return 1; fi
  if [ ! -d "/etc/postgresql/$ver/main" ]; then
    logged as_root pg_createcluster --port 5432 "$ver" main \
      || { echo "creating the PostgreSQL $ver cluster failed; see $INSTALL_LOG" >&2; return 1; }
  fi
  if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
    # "already running" is an error to pg_ctlcluster; pg_isready decides.
    logged as_root pg_ctlcluster --skip-systemctl-redirect "$ver" main start || true
    for _ in $(seq 1 30); do
      pg_isready -q -h 127.0.0.1 -p 5432 && break
      sleep 1
    done
  fi
  if ! pg_isready -q -h 127.0.0.1 -p 5432; then
    echo "PostgreSQL $ver does not answer on 127.0.0.1:5432 (see /var/log/postgresql/)" >&2
    return 1
  fi
  # Debian asks for a password over TCP (scram-sha-256); pg_hba.conf is
  # read top down, so trust lines put first win. -w: never prompt.
  if ! psql -w -h 127.0.0.1 -p 5432 -U postgres -Atc 'select 1' >/dev/null 2>&1; then
    local hba
    hba=$(cd / && as_postgres psql -p 5432 -Atc 'show hba_file')
    echo "trusting TCP connections of user postgres from this machine in $hba" >>"$INSTALL_LOG"
    as_root sed -i '1i host all postgres 127.0.0.1/32 trust\nhost all postgres ::1/128 trust' "$hba"
    (cd / && as_postgres psql -p 5432 -qAtc 'select pg_reload_conf()' >/dev/null)
    sleep 1
    psql -w -h 127.0.0.1 -p 5432 -U postgres -Atc 'select 1' >/dev/null \
      || { echo "user postgres still cannot connect over TCP; check $hba" >&2; return 1; }
  fi
}
