#!/usr/bin/env bash
# Nightly backup of ZITADEL metadata with the zmeta CLI, for cron:
#   15 2 * * *  ZITADEL_URL=… ZITADEL_TOKEN=… /path/to/backup.sh
# Writes BACKUP_DIR/metadata-YYYY-MM-DD.ndjson (the users in USERS_FILE plus the
# organization's own metadata) and keeps the newest KEEP files.
set -euo pipefail

: "${ZITADEL_URL:?set ZITADEL_URL, e.g. https://acme.zitadel.cloud}"
: "${ZITADEL_TOKEN:?set ZITADEL_TOKEN (a personal access token) or switch to ZITADEL_KEY_FILE}"
: "${USERS_FILE:?set USERS_FILE: a file of user ids, one per line (ZITADEL cannot list users for us)}"
BACKUP_DIR="${BACKUP_DIR:-./backups}"
KEEP="${KEEP:-7}"
ZMETA="${ZMETA:-npx zmeta}"      # the CLI; npx finds the one this package installs
STAMP="${BACKUP_DATE:-$(date -u +%F)}"

case "$KEEP" in ''|*[!0-9]*|0) echo "KEEP must be a whole number of backups to keep, at least 1 (got '$KEEP')" >&2; exit 2;; esac
mkdir -p "$BACKUP_DIR"
out="$BACKUP_DIR/metadata-$STAMP.ndjson"

# --out replaces the file only once the export is complete, so a failed run
# leaves the last good backup of the day in place.
$ZMETA export --users-file "$USERS_FILE" --org --out "$out"
echo "wrote $out ($(wc -l < "$out") entries)"

# Dated names sort by date: delete all but the newest KEEP.
ls -1 "$BACKUP_DIR"/metadata-*.ndjson | sort -r | tail -n +"$((KEEP + 1))" | while read -r old; do
  rm -- "$old"
  echo "removed $old"
done
