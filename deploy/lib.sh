# Shared by run-local.sh and test.sh: set-up steps on a Debian machine.

# apt_install installs Debian packages that are missing (as root, or with sudo).
apt_install() {
  local missing=()
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "installing ${missing[*]}" >&2
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >&2
}

# ensure_postgres makes sure a PostgreSQL server answers on 127.0.0.1:5432,
# installing Debian's postgresql and starting its cluster when needed.
ensure_postgres() {
  if pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then return 0; fi
  command -v pg_ctlcluster >/dev/null 2>&1 || apt_install postgresql postgresql-client
  local ver
  ver=$(ls /etc/postgresql 2>/dev/null | sort -n | tail -1)
  if [ -z "$ver" ]; then echo "no PostgreSQL cluster found after install" >&2; return 1; fi
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo pg_ctlcluster --skip-systemctl-redirect "$ver" main start >&2 || true
  for _ in $(seq 1 30); do
    pg_isready -q -h 127.0.0.1 -p 5432 && break
    sleep 1
  done
  pg_isready -q -h 127.0.0.1 -p 5432 || { echo "PostgreSQL did not start" >&2; return 1; }
  # Trust local TCP connections for the postgres user, as the tests expect
  # (the machines this project runs on are set up that way already).
  if ! psql -h 127.0.0.1 -U postgres -Atc 'select 1' >/dev/null 2>&1; then
    local as_pg="sudo -u postgres"
    [ "$(id -u)" -eq 0 ] && as_pg="runuser -u postgres --"
    local hba
    hba=$($as_pg psql -Atc 'show hba_file')
    $sudo sed -i '1i host all postgres 127.0.0.1/32 trust' "$hba"
    $sudo pg_ctlcluster --skip-systemctl-redirect "$ver" main reload >&2
  fi
}
