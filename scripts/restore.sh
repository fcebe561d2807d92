#!/usr/bin/env bash
# Restore a backup made by scripts/backup.sh into an EMPTY database and media directory.
#
#   DATABASE_URL=postgresql://…/liangbang_restored DJANGO_MEDIA_ROOT=/srv/liangbang/media \
#     scripts/restore.sh /backup/liangbang/20270105-020000
#
# Create the database first (createdb -O liangbang liangbang_restored). Then run
# `python manage.py migrate` (nothing to do unless the code is newer than the backup)
# and start the web and worker processes. tests/integration/test_backup_restore.py runs this.
set -euo pipefail

SRC="${1:?usage: scripts/restore.sh BACKUP_DIR}"
: "${DATABASE_URL:?DATABASE_URL is not set}"
: "${DJANGO_MEDIA_ROOT:?DJANGO_MEDIA_ROOT is not set}"
PG_BINDIR="${PG_BINDIR:-}"

(cd "$SRC" && sha256sum --check --quiet SHA256SUMS)
if [ -d "$DJANGO_MEDIA_ROOT" ] && [ -n "$(ls -A "$DJANGO_MEDIA_ROOT")" ]; then
  echo "restore: $DJANGO_MEDIA_ROOT is not empty: restore into an empty directory" >&2
  exit 1
fi
"${PG_BINDIR:+$PG_BINDIR/}pg_restore" --no-owner --no-privileges --exit-on-error --single-transaction \
  --dbname "$DATABASE_URL" "$SRC/db.dump"
mkdir -p "$DJANGO_MEDIA_ROOT"
tar -C "$DJANGO_MEDIA_ROOT" -xzf "$SRC/media.tar.gz"
echo "restore: database and media restored from $SRC"
