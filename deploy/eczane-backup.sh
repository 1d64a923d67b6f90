#!/usr/bin/env bash
# Daily backup of a hosted eczane (run by eczane-backup.service, or by hand as the eczane user):
#
#   BACKUP_DIR/YYYY-MM-DD/eczane.dump             the whole database, pg_dump -Fc: for a lost
#                                                 server (pg_restore into a new database)
#   BACKUP_DIR/YYYY-MM-DD/eczaneler/eczane-ID-….jsonl.gz
#                                                 one file per pharmacy (`eczane backup --all`):
#                                                 to give ONE pharmacy its data back without
#                                                 touching the others:
#                                                   eczane restore --pharmacy GLN FILE
#   BACKUP_DIR/YYYY-MM-DD/eczaneler.json          what was written (pharmacy, file, rows)
#
# Days older than KEEP_DAYS are deleted. Copy BACKUP_DIR to another machine too (rsync, restic):
# a backup on the same disk does not survive the disk.
#
# Environment (eczane.env + backup.env):
#   PG_DUMP_URL   libpq URL of a role that may read every row: eczane_backup (BYPASSRLS,
#                 pg_read_all_data; deploy/postgresql/roles.sql). Row-level security would
#                 make pg_dump fail for the app role, and that is what it should do.
#   ECZANE_DATABASE_URL, ECZANE_SECRET_KEY
#                 the app's: the per-pharmacy files are signed with the installation's secret
#                 key, so they restore on this installation (or one with the same key).
#   BACKUP_DIR    default /var/backups/eczane
#   KEEP_DAYS     default 14
#   ECZANE        the eczane command, default /opt/eczane/venv/bin/eczane
#   PG_DUMP       the pg_dump command, default pg_dump (its major version >= the server's)
set -euo pipefail
umask 077

: "${PG_DUMP_URL:?PG_DUMP_URL is not set (see deploy/eczane-backup.sh)}"
BACKUP_DIR="${BACKUP_DIR:-/var/backups/eczane}"
KEEP_DAYS="${KEEP_DAYS:-14}"
ECZANE="${ECZANE:-/opt/eczane/venv/bin/eczane}"
PG_DUMP="${PG_DUMP:-pg_dump}"

day="$(date +%Y-%m-%d)"
target="$BACKUP_DIR/$day"
mkdir -p "$target/eczaneler"

# 1. The whole database. Written under a temporary name: a dump that failed half-way is never
#    taken for a good one.
"$PG_DUMP" --format=custom --compress=6 --file="$target/eczane.dump.part" "$PG_DUMP_URL"
mv -f "$target/eczane.dump.part" "$target/eczane.dump"

# 2. One file per pharmacy. A pharmacy that fails is reported and the others are still written;
#    the exit code is then non-zero, so systemd marks the run failed.
status=0
"$ECZANE" backup --all --out "$target/eczaneler" --json >"$target/eczaneler.json" || status=$?

# 3. Old days away (only folders named like a date, only below BACKUP_DIR).
find "$BACKUP_DIR" -mindepth 1 -maxdepth 1 -type d -name '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]' \
  -mtime +"$KEEP_DAYS" -exec rm -rf -- {} +

echo "eczane yedeği: $target ($(find "$target/eczaneler" -name '*.jsonl.gz' | wc -l) eczane)"
exit "$status"
