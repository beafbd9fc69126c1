#!/usr/bin/env bash
# Makes sure a PostgreSQL server answers on 127.0.0.1:5432: installs it if missing (Debian),
# starts the cluster if stopped, and waits until it accepts connections.
set -euo pipefail

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

if ! command -v pg_ctlcluster >/dev/null 2>&1 || [ -z "$(ls /etc/postgresql 2>/dev/null)" ]; then
  echo "PostgreSQL is not installed: installing it"
  as_root apt-get update
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y postgresql postgresql-contrib
fi

ready() { pg_isready -h 127.0.0.1 -p 5432 -q; }

if ! ready; then
  version=$(ls /etc/postgresql | sort -V | tail -n 1)
  echo "starting PostgreSQL $version"
  as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
fi

for _ in $(seq 1 30); do
  if ready; then
    # Tests connect as postgres over TCP without a password, as the machine is set up here.
    echo "PostgreSQL is accepting connections on 127.0.0.1:5432"
    exit 0
  fi
  sleep 1
done
echo "PostgreSQL did not come up on 127.0.0.1:5432" >&2
exit 1
