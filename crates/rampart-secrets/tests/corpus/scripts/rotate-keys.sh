#!/usr/bin/env bash
set -euo pipefail
NEW_TOKEN=$(openssl rand -hex 32)
API_KEY="$(vault kv get -field=api_key secret/app)"
export PGPASSWORD="$(cat /run/secrets/pg)"
sshpass -e ssh deploy@host 'echo ok'
net use Z: \\fs01\share /user:CORP\svc /persistent:no
echo "machine github.com login x-access-token password ${GH_TOKEN}" > ~/.netrc
