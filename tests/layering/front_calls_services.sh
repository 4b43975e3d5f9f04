#!/usr/bin/env bash
# The HTTP and web front calls services only (docs/architecture.md): no file under src/http/ or
# src/web/ includes a storage header other than the plain record structs (storage/records.h), or
# names Poco::Data or the store's own types (a session, a transaction, a repository). Fails naming
# every line that does. Also checks the headers of src/services/, which the front includes.
# Usage: front_calls_services.sh SOURCE_DIR
set -u
src="${1:?usage: front_calls_services.sh SOURCE_DIR}/src"
status=0

complain() {  # what; the offending lines come on stdin
  local found
  found=$(cat)
  if [ -n "$found" ]; then
    echo "The HTTP and web front must call services only: $1" >&2
    echo "$found" >&2
    status=1
  fi
}

complain "it includes a storage header other than storage/records.h (move the work into a service)" < <(
  grep -rnE '#[[:space:]]*include[[:space:]]*[<"]storage/' "$src/http" "$src/web" | grep -vE '[<"]storage/records\.h[>"]')

complain "it names Poco::Data (only src/storage/ knows it)" < <(grep -rnE 'Poco::Data|Poco/Data' "$src/http" "$src/web")

complain "it holds or opens the store itself (a Database, a session, a transaction or a repository)" < <(
  grep -rnE 'storage::(Database|SessionLease|Connection|UnitOfWork|WriteTransaction|Savepoint|Store|AuditLog|AuditGroupCommit|[A-Za-z]+Store)\b|\bdb_?\.session\(' \
    "$src/http" "$src/web")

# What the front holds from src/services/ brings no store header with it either (forward-declare
# storage::Database instead), so the front library need not see Poco::Data.
complain "a header in src/services/ includes a storage header other than storage/records.h" < <(
  grep -rnE '#[[:space:]]*include[[:space:]]*[<"]storage/' "$src/services" --include='*.h' |
    grep -vE '[<"]storage/records\.h[>"]')

if [ "$status" -eq 0 ]; then
  echo "ok: src/http, src/web and the headers of src/services include only storage/records.h from storage"
fi
exit "$status"
