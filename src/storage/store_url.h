#pragma once
// Which store the daemon keeps (db.url): the one place a store's address is read (issue 17, item 1).
//
//   sqlite:PATH                                   the SQLite file (what db.path says; the default)
//   postgresql://USER@HOST[:PORT]/DBNAME[?OPT=V&...]  a PostgreSQL database (postgres:// too)
//
// A PostgreSQL URL never holds the password: it comes from db.password_file, or from what libpq reads by
// itself (PGPASSWORD, PGPASSFILE, ~/.pgpass). HOST may be a name, an IPv4 address, [an IPv6 address] or a
// unix-socket directory written percent-encoded (%2Fvar%2Frun%2Fpostgresql). The options libpq knows
// that matter for a daemon are accepted (sslmode, sslrootcert, sslcert, sslkey, connect_timeout,
// application_name, target_session_attrs); any other is refused, so that a typo is not silently ignored.
// No Poco here: settings (src/app) read it too.

#include <string>
#include <utility>
#include <vector>

namespace vc::storage {

struct StoreUrl {
  enum class Backend { kSqlite, kPostgres };
  Backend backend = Backend::kSqlite;
  std::string sqlite_path;  // kSqlite: as written (a relative one is resolved by whoever reads the setting)
  // kPostgres:
  std::string user;  // "" : libpq's default (PGUSER, else the login name)
  std::string host;  // a name or address, or a socket directory (starts with '/')
  int port = 5432;
  std::string dbname;
  std::vector<std::pair<std::string, std::string>> options;  // in the order written

  bool postgres() const { return backend == Backend::kPostgres; }
  // How logs and messages name it: never a password (the URL holds none).
  std::string display() const;
};

// Throws vc::Error(kInvalidArgument, "db_url", what is wrong) for anything else, without repeating a
// password the URL may have held.
StoreUrl parseStoreUrl(const std::string& url);

// The connection string Poco's PostgreSQL connector hands to libpq (keyword=value pairs; the connector
// splits them at spaces, so no value may hold one). `password` "" leaves it to libpq's environment and
// .pgpass. Throws vc::Error(kInvalidArgument, "db_password") for a password the connector cannot pass.
std::string postgresConnectionString(const StoreUrl& url, const std::string& password, int default_connect_timeout_s = 10);

// The first line of db.password_file (trailing CR/LF dropped). Like libpq's .pgpass, the file must not be
// readable or writable by its group or others. Throws vc::Error(kInvalidArgument, "db_password") naming
// the file (never its content).
std::string readPasswordFile(const std::string& path);

}  // namespace vc::storage
