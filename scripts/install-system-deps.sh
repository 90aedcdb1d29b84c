#!/usr/bin/env bash
# Installs the C libraries unpaidd links against, and the peers its tests talk to
# (promtool from prometheus), when they are missing.
set -euo pipefail
# sqlite3: the tests run the README's queries on the audit views with the command-line tool;
# chromium: a test renders the HTML report in a real (headless) browser.
needed=(libcurl4-openssl-dev libsqlite3-dev zlib1g-dev libisal-dev curl sqlite3 chromium prometheus)
missing=()
# postgresql: the PostgreSQL ledger tests start their own server (initdb, pg_ctl in a temporary
# directory, as an unprivileged user); any installed one will do.
if ! command -v initdb >/dev/null && ! compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null; then
  missing+=(postgresql)
fi
for package in "${needed[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing: ${missing[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}"
