#!/usr/bin/env bash
# Back up Liangbang: the database (pg_dump, custom format) and the media directory
# (evidence files, published editions), into DEST/<timestamp>/.
#
#   DATABASE_URL=postgresql://… DJANGO_MEDIA_ROOT=/srv/liangbang/media scripts/backup.sh /backup/liangbang
#
# The two parts are taken one after the other: a file written in between is in the
# media archive without its row, which is harmless (the restore keeps it unused).
# Take the dump first, so that no restored row points at a file the archive lacks.
set -euo pipefail

DEST="${1:?usage: scripts/backup.sh DEST_DIR}"
: "${DATABASE_URL:?DATABASE_URL is not set}"
: "${DJANGO_MEDIA_ROOT:?DJANGO_MEDIA_ROOT is not set}"
PG_BINDIR="${PG_BINDIR:-}"  # e.g. /usr/lib/postgresql/15/bin: pg_dump of the server's major version or newer

stamp="$(date +%Y%m%d-%H%M%S)"
out="$DEST/$stamp"
mkdir -p "$out"
"${PG_BINDIR:+$PG_BINDIR/}pg_dump" --format=custom --no-owner --no-privileges --file "$out/db.dump" "$DATABASE_URL"
tar -C "$DJANGO_MEDIA_ROOT" -czf "$out/media.tar.gz" .
(cd "$out" && sha256sum db.dump media.tar.gz > SHA256SUMS)
echo "$out"
