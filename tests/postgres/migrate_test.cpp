// `migrate` on a real PostgreSQL 15: the throwaway cluster the CTest fixture pg_cluster starts
// (tests/support/pg_cluster.sh). Each test makes its own database in it and drops it after.

#include <catch2/catch.hpp>

#include <fstream>
#include <map>
#include <random>
#include <set>
#include <thread>

#include <Poco/Data/PostgreSQL/Connector.h>
#include <Poco/Data/Session.h>
#include <Poco/Data/SQLite/Connector.h>
#include <Poco/Data/Statement.h>
#include <Poco/TemporaryFile.h>

#include "common/error.h"
#include "storage/database.h"
#include "storage/postgres/postgres_database.h"
#include "storage/sqlite_connection.h"
#include "storage/store_url.h"
#include "support/store_fixture.h"
#include "postgres/pg_test_cluster.h"

using namespace Poco::Data::Keywords;
using vc::storage::StoreUrl;
using vc::storage::postgres::PostgresDatabase;
using vc::testing::pg::Cluster;
using vc::testing::pg::FreshDatabase;
using vc::testing::pg::randomName;

// Poco's exceptions say what went wrong in displayText(); what() is only their name.
CATCH_TRANSLATE_EXCEPTION(const Poco::Exception& e) { return e.displayText(); }

namespace {

// Everything about the schema a second migrate could change: columns, indexes, triggers, functions, the
// recorded migrations (with when they were applied) and the store's id.
std::string schemaFingerprint(Poco::Data::Session& s) {
  std::string print;
  s << "SELECT string_agg(x, E'\\n' ORDER BY x) FROM ("
       " SELECT 'column ' || table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable || ' ' ||"
       "   COALESCE(column_default, '') || ' ' || is_identity AS x"
       "   FROM information_schema.columns WHERE table_schema = 'public'"
       " UNION ALL SELECT 'index ' || indexdef FROM pg_indexes WHERE schemaname = 'public'"
       " UNION ALL SELECT 'trigger ' || tgname || ' ON ' || tgrelid::regclass::text FROM pg_trigger WHERE NOT tgisinternal"
       " UNION ALL SELECT 'function ' || proname || ' ' || md5(prosrc) FROM pg_proc"
       "   WHERE pronamespace = 'public'::regnamespace"
       " UNION ALL SELECT 'migration ' || version || ' ' || name || ' ' || applied_at::text FROM schema_migrations"
       " UNION ALL SELECT 'store ' || store_id FROM store_identity) t",
      into(print), now;
  return print;
}

std::map<std::string, std::set<std::string>> postgresColumns(Poco::Data::Session& s) {
  std::vector<std::string> tables, columns;
  s << "SELECT table_name::text, column_name::text FROM information_schema.columns WHERE table_schema = 'public'",
      into(tables), into(columns), now;
  std::map<std::string, std::set<std::string>> out;
  for (size_t i = 0; i < tables.size(); ++i) out[tables[i]].insert(columns[i]);
  return out;
}

}  // namespace

TEST_CASE("migrate creates the PostgreSQL schema and records its version", "[postgres][migrate]") {
  FreshDatabase db;
  PostgresDatabase store(db.url, db.cluster.password);
  CHECK(store.schemaVersion() == 0);
  const auto [from, to] = store.migrate();
  CHECK(from == 0);
  CHECK(to == PostgresDatabase::latestSchemaVersion());
  CHECK(store.schemaVersion() == PostgresDatabase::latestSchemaVersion());
  CHECK(store.ping());

  auto s = db.session();
  int recorded = 0, rows = 0;
  *s << "SELECT MAX(version), COUNT(*) FROM schema_migrations", into(recorded), into(rows), now;
  CHECK(recorded == PostgresDatabase::latestSchemaVersion());
  CHECK(rows == PostgresDatabase::latestSchemaVersion());
  std::string store_id;
  *s << "SELECT store_id FROM store_identity", into(store_id), now;
  CHECK(store_id.size() == 32);  // 16 random bytes in hex, as SQLite's
}

TEST_CASE("migrate run again changes nothing", "[postgres][migrate]") {
  FreshDatabase db;
  PostgresDatabase store(db.url, db.cluster.password);
  store.migrate();
  auto s = db.session();
  const std::string before = schemaFingerprint(*s);
  REQUIRE_THAT(before, Catch::Contains("trigger events_append_only ON events"));
  const auto [from, to] = store.migrate();
  CHECK(from == PostgresDatabase::latestSchemaVersion());
  CHECK(to == from);
  CHECK(schemaFingerprint(*s) == before);
  // A second daemon's migrate, from a store of its own, finds nothing to do either.
  CHECK(PostgresDatabase(db.url, db.cluster.password).migrate().first == PostgresDatabase::latestSchemaVersion());
  CHECK(schemaFingerprint(*s) == before);
}

TEST_CASE("the PostgreSQL schema has every table and column of SQLite's latest schema", "[postgres][migrate]") {
  // What SQLite keeps that PostgreSQL does not need: its own id counters (identity columns here) and its
  // AUTOINCREMENT bookkeeping. What PostgreSQL adds: its migrations table, store_identity's one-row key, and
  // victims' added_n (SQLite's rowid order: migration 0002).
  const std::set<std::string> sqlite_only = {"id_counters", "sqlite_sequence"};
  const std::set<std::string> postgres_only = {"schema_migrations", "store_identity.one", "victims.added_n",
                                                 "audit_pending"};

  vc::testing::TempDb file;
  vc::storage::Database sqlite_db(file.path);
  sqlite_db.migrate();
  std::map<std::string, std::set<std::string>> sqlite_columns;
  {
    auto lease = sqlite_db.session();
    auto& s = vc::storage::sqlite(lease);
    std::vector<std::string> tables;
    s << "SELECT name FROM sqlite_master WHERE type = 'table'", into(tables), now;
    for (const auto& t : tables) {
      if (sqlite_only.count(t)) continue;
      std::vector<std::string> names;
      s << "SELECT name FROM pragma_table_info(?)", bind(t), into(names), now;
      sqlite_columns[t].insert(names.begin(), names.end());
    }
  }

  FreshDatabase db;
  PostgresDatabase(db.url, db.cluster.password).migrate();
  auto pg_columns = postgresColumns(*db.session());
  for (const auto& extra : postgres_only) {
    const size_t dot = extra.find('.');
    if (dot == std::string::npos) pg_columns.erase(extra);
    else pg_columns[extra.substr(0, dot)].erase(extra.substr(dot + 1));
  }
  CHECK(pg_columns == sqlite_columns);
}

TEST_CASE("the PostgreSQL schema keeps SQLite's rules: append-only rows, purge markers, ids from sequences",
          "[postgres][migrate]") {
  FreshDatabase db;
  PostgresDatabase(db.url, db.cluster.password).migrate();
  auto s = db.session();
  auto& session = *s;
  auto exec = [&session](const std::string& sql) { session << sql, now; };
  // Ids come from the store: INSERT ... RETURNING, no MAX(n) + 1.
  Poco::Int64 seq1 = 0, seq2 = 0;
  session << "INSERT INTO events(id, type, case_urn, victim_id, occurred_at, local_date, received_at, body) "
             "VALUES($1, 'case.registered', 'U1', NULL, 't', 'd', 't', '{\"name\":\"A\"}') RETURNING seq",
      bind(std::string("e1")), into(seq1), now;
  session << "INSERT INTO events(id, type, case_urn, victim_id, occurred_at, local_date, received_at, body) "
             "VALUES($1, 'case.registered', 'U2', NULL, 't', 'd', 't', '{}') RETURNING seq",
      bind(std::string("e2")), into(seq2), now;
  CHECK(seq2 > seq1);
  Poco::Int64 letter_n = 0;
  session << "SELECT nextval(pg_get_serial_sequence('letters', 'n'))", into(letter_n), now;
  CHECK(letter_n == 1);

  // Append-only: a body may become a keyed purge marker, once; nothing else may change, nor any row go.
  CHECK_THROWS_WITH(exec("UPDATE events SET type = 'x' WHERE id = 'e1'"),
                    Catch::Contains("events are append-only") && Catch::Contains("column type"));
  CHECK_THROWS_WITH(exec("UPDATE events SET body = '{}' WHERE id = 'e1'"),
                    Catch::Contains("events are append-only"));
  CHECK_THROWS_WITH(exec("DELETE FROM events WHERE id = 'e1'"), Catch::Contains("events are append-only"));
  CHECK_THROWS_WITH(exec("TRUNCATE events CASCADE"), Catch::Contains("events are append-only"));
  session << "UPDATE events SET body = '{\"purged\":\"hmac-sha256:k1:ab\"}' WHERE id = 'e1'", now;
  CHECK_THROWS_WITH(exec("UPDATE events SET body = '{\"purged\":\"hmac-sha256:k2:cd\"}' WHERE id = 'e1'"),
                    Catch::Contains("events are append-only"));
  session << "INSERT INTO audit_log(at, actor, action, subject, detail) VALUES('t', 'a', 'b', 'c', 'd')", now;
  CHECK_THROWS_WITH(exec("DELETE FROM audit_log"), Catch::Contains("the audit log is append-only"));
  CHECK_THROWS_WITH(exec("UPDATE audit_log SET detail = 'e'"), Catch::Contains("the audit log is append-only"));

  // A letter carries its obligation's due date, Area and rule from its own INSERT: leaving one out is refused
  // (SQLite's letters_from_obligation_insert filled them in; here nothing writes behind the insert's back).
  std::string nullable;
  session << "SELECT is_nullable || ' ' || (column_default IS NULL)::text FROM information_schema.columns "
             "WHERE table_name = 'letters' AND column_name = 'due_by'",
      into(nullable), now;
  CHECK(nullable == "NO true");
}

TEST_CASE("a wrong password or an unreachable server is a clear error that never shows the password",
          "[postgres][migrate]") {
  const Cluster& cluster = Cluster::get();
  const std::string wrong = "Wr0ng-Pa55word-" + randomName("");
  try {
    PostgresDatabase(cluster.url, wrong).migrate();
    FAIL("signed in with a wrong password");
  } catch (const vc::Error& e) {
    CHECK(e.code() == "store_connect");
    CHECK_THAT(e.what(), Catch::Contains("cannot connect to the PostgreSQL store " + cluster.url.display()));
    CHECK_THAT(e.what(), Catch::Contains("password authentication failed for user \"vc_test\""));
    CHECK_THAT(e.what(), !Catch::Contains(wrong) && !Catch::Contains("Wr0ng"));
  }

  StoreUrl nowhere = cluster.url;
  nowhere.port = 1;  // nothing listens on loopback's port 1
  try {
    PostgresDatabase(nowhere, cluster.password);
    FAIL("connected to nothing");
  } catch (const vc::Error& e) {
    CHECK(e.code() == "store_connect");
    CHECK_THAT(e.what(), Catch::Contains("127.0.0.1:1/vc_test") && Catch::Contains("refused"));
    CHECK_THAT(e.what(), !Catch::Contains(cluster.password));
  }
}

TEST_CASE("a password with quotes, backslashes and '=' reaches PostgreSQL whole", "[postgres][migrate]") {
  const Cluster& cluster = Cluster::get();
  const std::string role = randomName("vc_odd_");
  const std::string password = "it's\\a=b\"c";
  auto admin = cluster.session(cluster.url.dbname);
  *admin << "CREATE ROLE " + role + " LOGIN PASSWORD 'it''s\\a=b\"c'", now;
  StoreUrl u = cluster.url;
  u.user = role;
  bool signed_in = false;
  try {
    signed_in = PostgresDatabase(u, password).ping();
  } catch (...) {
    *admin << "DROP ROLE " + role, now;
    throw;
  }
  *admin << "DROP ROLE " + role, now;
  CHECK(signed_in);
}

TEST_CASE("two daemons migrating one store at once take turns: one makes the schema, the other finds it made",
          "[postgres][migrate]") {
  FreshDatabase db;
  std::pair<int, int> results[2];
  std::string errors[2];
  std::vector<std::thread> daemons;
  for (int i = 0; i < 2; ++i)
    daemons.emplace_back([&, i] {
      try {
        results[i] = PostgresDatabase(db.url, db.cluster.password).migrate();
      } catch (const std::exception& e) {
        errors[i] = e.what();
      }
    });
  for (auto& t : daemons) t.join();
  CHECK(errors[0].empty());
  CHECK(errors[1].empty());
  const int latest = PostgresDatabase::latestSchemaVersion();
  CHECK(std::min(results[0].first, results[1].first) == 0);       // one migrated from nothing
  CHECK(std::max(results[0].first, results[1].first) == latest);  // the other found it done
  int rows = 0;
  *db.session() << "SELECT COUNT(*) FROM schema_migrations", into(rows), now;
  CHECK(rows == latest);
}

TEST_CASE("a PostgreSQL store newer than this build is refused, and left as it was", "[postgres][migrate]") {
  FreshDatabase db;
  PostgresDatabase store(db.url, db.cluster.password);
  store.migrate();
  const int future = PostgresDatabase::latestSchemaVersion() + 1;
  *db.session() << "INSERT INTO schema_migrations(version, name) VALUES($1, 'from a newer build')", bind(future), now;
  try {
    store.migrate();
    FAIL("migrated a newer store");
  } catch (const vc::Error& e) {
    CHECK(e.kind() == vc::Error::Kind::kInternal);
    CHECK_THAT(e.what(), Catch::Contains("has schema version " + std::to_string(future) + ", newer than this build knows"));
  }
  CHECK(store.schemaVersion() == future);
}
