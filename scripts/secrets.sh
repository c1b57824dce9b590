#!/usr/bin/env bash
# `make secrets`: the bundle's generated secrets, kept once made (like scripts/certs.sh).
#
#   secrets/postgres_password   the Postgres role `app`'s password (the compose secret
#                               `postgres_password`; git-ignored, never in an image)
#
# The file is readable by gid 10001 only (the app's group; the Postgres container joins it with
# group_add): chgrp (root, or a member of that group), else an ACL for that group (setfacl).
# Where neither works it stops with a message: never a password every local user can read.
# Set SECRETS_OUT to write elsewhere (the container tests do).
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${SECRETS_OUT:-secrets}
file="$dir/postgres_password"
app_gid=10001

mkdir -p "$dir"
chmod 0755 "$dir"
if [ -s "$file" ]; then
  echo "secrets: $file exists, kept" >&2
  exit 0
fi
command -v openssl >/dev/null || { echo "secrets: openssl is required" >&2; exit 1; }
umask 077
# 32 random bytes as hex: no character a URL, a shell or libpq would need to quote.
openssl rand -hex 32 >"$file.tmp"
if chgrp "$app_gid" "$file.tmp" 2>/dev/null; then
  chmod 0640 "$file.tmp"
elif command -v setfacl >/dev/null && setfacl -m "g:$app_gid:r" "$file.tmp" 2>/dev/null; then
  :  # 0600 plus an ACL entry: the owner and gid 10001 read it, nobody else
else
  rm -f "$file.tmp"
  echo "secrets: cannot let gid $app_gid (the containers' group) read $file: chgrp failed (not root, nor in that group) and setfacl is missing or failed. Run \`sudo make secrets\`, or install the acl package; a secret readable by every user (0644) is no secret, so nothing was written" >&2
  exit 1
fi
mv "$file.tmp" "$file"
echo "secrets: wrote $file" >&2
