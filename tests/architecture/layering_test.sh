#!/usr/bin/env bash
# The storage seam holds (docs/storage-seam.md): only src/storage/ knows Poco::Data, the storage headers
# that the layers above include do not bring it in, nothing above reaches behind a storage::Connection,
# and of the daemon's libraries only vc_storage links Poco::Data.
# Usage: layering_test.sh SOURCE_DIR
set -u
src="$1/src"
failed=0
fail() { echo "FAIL: $*"; failed=1; }

# 1. Poco::Data outside src/storage/.
hits=$(grep -rlE 'Poco/Data|Poco::Data' "$src" --include='*.cpp' --include='*.h' | grep -v "^$src/storage/" || true)
[ -z "$hits" ] || fail "Poco::Data outside src/storage/: $hits"

# 2. Storage headers meant for the layers above (all but the storage-internal ones: SQLite's two, PostgreSQL's
# sessions) include no Poco/Data.
for h in "$src"/storage/*.h "$src"/storage/postgres/*.h; do
  case "$(basename "$h")" in sqlite_connection.h|sqlite_statement.h|pg_session.h) continue ;; esac
  grep -q '#include <Poco/Data' "$h" && fail "$h includes Poco/Data: services would need it to compile"
done

# 3. The storage-internal headers are included only inside src/storage/.
hits=$(grep -rlE '"storage/(sqlite_(connection|statement)|postgres/pg_session)\.h"' "$src" | grep -v "^$src/storage/" || true)
[ -z "$hits" ] || fail "storage internals included outside src/storage/: $hits"

# 4. Only vc_storage links Poco::Data among the daemon's libraries.
linkers=$(awk '/^target_link_libraries\(vc_/ { line = $0; while (line !~ /\)/ && (getline more) > 0) line = line " " more;
                 if (line ~ /Poco::Data/) { sub(/^target_link_libraries\(/, "", line); split(line, w, " "); print w[1] } }' \
            "$1/CMakeLists.txt")
[ "$linkers" = "vc_storage" ] || fail "libraries linking Poco::Data: '${linkers//$'\n'/ }' (only vc_storage may)"

# The check itself must see something: the storage layer does use Poco::Data.
grep -rq 'Poco::Data' "$src/storage" || fail "no Poco::Data in src/storage/: is SOURCE_DIR right?"

[ "$failed" = 0 ] && echo "layering holds"
exit "$failed"
