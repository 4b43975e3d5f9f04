#include "storage/sqlite_backup.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/sha.h>

#include <Poco/File.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Path.h>

#include "common/error.h"
#include "storage/audit_log.h"
#include "storage/database.h"

namespace vc::storage {
namespace {

Error failed(const std::string& message) { return Error(Error::Kind::kInternal, "backup_failed", message); }

// One sqlite3 handle, closed however we leave.
struct Handle {
  sqlite3* db = nullptr;
  ~Handle() { sqlite3_close_v2(db); }
  std::string error() const { return db ? sqlite3_errmsg(db) : "out of memory"; }
};

void exec(Handle& h, const char* sql, const std::string& what) {
  char* message = nullptr;
  if (sqlite3_exec(h.db, sql, nullptr, nullptr, &message) != SQLITE_OK) {
    std::string m = message ? message : h.error();
    sqlite3_free(message);
    throw failed(what + ": " + m);
  }
}

void syncPath(const std::string& path, int flags) {
  const int fd = ::open(path.c_str(), flags | O_CLOEXEC);
  if (fd < 0) throw failed("cannot open " + path + " to sync it");
  const bool ok = ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) throw failed("cannot sync " + path);
}

int64_t countOf(Handle& h, const std::string& table) {
  sqlite3_stmt* st = nullptr;
  int64_t n = -1;
  if (sqlite3_prepare_v2(h.db, ("SELECT count(*) FROM " + table).c_str(), -1, &st, nullptr) == SQLITE_OK &&
      sqlite3_step(st) == SQLITE_ROW)
    n = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  if (n < 0) throw Error(Error::Kind::kInvalidArgument, "not_a_store", "cannot count " + table + ": " + h.error());
  return n;
}

}  // namespace

std::string sha256OfFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw failed("cannot read " + path);
  SHA256_CTX ctx;
  SHA256_Init(&ctx);
  std::vector<char> block(1 << 20);
  while (in) {
    in.read(block.data(), static_cast<std::streamsize>(block.size()));
    if (in.gcount() > 0) SHA256_Update(&ctx, block.data(), static_cast<size_t>(in.gcount()));
  }
  if (in.bad()) throw failed("cannot read " + path);
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256_Final(digest, &ctx);
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (unsigned char c : digest) {
    out += kHex[c >> 4];
    out += kHex[c & 0xf];
  }
  return out;
}

void copyLiveStore(const std::string& source, const std::string& dest) {
  if (Poco::File(dest).exists())
    throw Error(Error::Kind::kConflict, "backup_exists", dest + " is there already: a backup never overwrites a file");
  if (!Poco::File(source).exists())
    throw Error(Error::Kind::kInvalidArgument, "no_store", "there is no store at " + source);
  const std::string partial = dest + ".partial";
  std::remove(partial.c_str());  // what a backup that died left behind
  {
    Handle from, to;
    if (sqlite3_open_v2(source.c_str(), &from.db, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK)
      throw failed("cannot open " + source + ": " + from.error());
    sqlite3_busy_timeout(from.db, 10000);
    if (sqlite3_open_v2(partial.c_str(), &to.db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) != SQLITE_OK)
      throw failed("cannot create " + partial + ": " + to.error());
    sqlite3_backup* b = sqlite3_backup_init(to.db, "main", from.db, "main");
    if (!b) throw failed("cannot start the copy: " + to.error());
    // Every page in one step: one read transaction, so the copy is the store as of one commit, and a writer
    // (appending to the WAL) is never held up. Busy only while a checkpoint or recovery holds the file.
    int rc = SQLITE_OK;
    for (int tries = 0; tries < 100; ++tries) {
      rc = sqlite3_backup_step(b, -1);
      if (rc != SQLITE_BUSY && rc != SQLITE_LOCKED) break;
      sqlite3_sleep(100);
    }
    sqlite3_backup_finish(b);
    if (rc != SQLITE_DONE) throw failed("the copy did not finish: " + std::string(sqlite3_errstr(rc)));
    // A single file, with no -wal beside it to lose: restore copies one file.
    exec(to, "PRAGMA journal_mode=DELETE", "cannot make the copy a single file");
  }
  syncPath(partial, O_RDONLY);
  if (std::rename(partial.c_str(), dest.c_str()) != 0) throw failed("cannot rename " + partial + " to " + dest);
  syncPath(Poco::Path(Poco::Path(dest).absolute()).parent().toString(), O_RDONLY | O_DIRECTORY);
}

BackupManifest describeCopy(const std::string& copy, std::shared_ptr<const Keyring> audit_keys) {
  BackupManifest m;
  {
    Handle h;
    if (sqlite3_open_v2(("file:" + copy + "?mode=ro&immutable=1").c_str(), &h.db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI,
                        nullptr) != SQLITE_OK)
      throw Error(Error::Kind::kInvalidArgument, "not_a_store", "cannot open " + copy + ": " + h.error());
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(h.db, "PRAGMA user_version", -1, &st, nullptr) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
      m.schema = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    m.events = countOf(h, "events");
    m.obligations = countOf(h, "obligations");
    m.letters = countOf(h, "letters");
    m.outbox = countOf(h, "outbox");
    m.audit_entries = countOf(h, "audit_log");
  }
  StoreOptions o;
  o.max_sessions = 1;
  o.read_only = true;
  o.audit_keys = std::move(audit_keys);
  Database db(copy, o);  // no checkpoint file: the copy is older than the checkpoints noted since
  {
    auto lease = db.session();
    AuditLog log(lease);
    const AuditVerification v = log.verify();
    if (!v.ok)
      throw Error(Error::Kind::kInvalidArgument, "audit_broken",
                  "the audit log in " + copy + " does not verify: " + v.problem);
    const auto [seq, hash] = log.head();
    m.audit_head_seq = seq;
    m.audit_head_hash = hash;
    m.store_id = m.schema >= Database::kKeyedAuditSchema ? log.storeId() : "";
  }
  m.bytes = static_cast<int64_t>(Poco::File(copy).getSize());
  m.sha256 = sha256OfFile(copy);
  return m;
}

std::string BackupManifest::toJson() const {
  Poco::JSON::Object o(Poco::JSON_PRESERVE_KEY_ORDER);
  o.set("format", "victim-comms backup manifest");
  o.set("version", format);
  o.set("made_at", made_at);
  o.set("source", source);
  o.set("store_id", store_id);
  o.set("schema", schema);
  o.set("events", events);
  o.set("obligations", obligations);
  o.set("letters", letters);
  o.set("outbox", outbox);
  o.set("audit_entries", audit_entries);
  o.set("audit_head_seq", audit_head_seq);
  o.set("audit_head_hash", audit_head_hash);
  o.set("bytes", bytes);
  o.set("sha256", sha256);
  std::ostringstream out;
  o.stringify(out, 2);
  return out.str() + "\n";
}

BackupManifest BackupManifest::parse(const std::string& json) {
  auto bad = [](const std::string& why) {
    return Error(Error::Kind::kInvalidArgument, "invalid_manifest", "not a backup manifest: " + why);
  };
  Poco::JSON::Object::Ptr o;
  try {
    o = Poco::JSON::Parser().parse(json).extract<Poco::JSON::Object::Ptr>();
  } catch (const Poco::Exception& e) {
    throw bad(e.displayText());
  }
  if (!o || o->optValue<std::string>("format", "") != "victim-comms backup manifest") throw bad("no format line");
  BackupManifest m;
  try {
    m.format = o->getValue<int>("version");
    if (m.format != 1) throw bad("version " + std::to_string(m.format) + " is not one this build reads");
    m.made_at = o->getValue<std::string>("made_at");
    m.source = o->getValue<std::string>("source");
    m.store_id = o->getValue<std::string>("store_id");
    m.schema = o->getValue<int>("schema");
    m.events = o->getValue<int64_t>("events");
    m.obligations = o->getValue<int64_t>("obligations");
    m.letters = o->getValue<int64_t>("letters");
    m.outbox = o->getValue<int64_t>("outbox");
    m.audit_entries = o->getValue<int64_t>("audit_entries");
    m.audit_head_seq = o->getValue<int64_t>("audit_head_seq");
    m.audit_head_hash = o->getValue<std::string>("audit_head_hash");
    m.bytes = o->getValue<int64_t>("bytes");
    m.sha256 = o->getValue<std::string>("sha256");
  } catch (const Error&) {
    throw;
  } catch (const Poco::Exception& e) {
    throw bad(e.displayText());
  }
  return m;
}

void writeManifest(const std::string& copy, const BackupManifest& manifest) {
  const std::string path = manifestPathOf(copy), partial = path + ".partial";
  {
    std::ofstream out(partial, std::ios::binary | std::ios::trunc);
    out << manifest.toJson();
    if (!out.flush()) throw failed("cannot write " + partial);
  }
  syncPath(partial, O_RDONLY);
  if (std::rename(partial.c_str(), path.c_str()) != 0) throw failed("cannot rename " + partial + " to " + path);
}

BackupManifest readManifest(const std::string& copy) {
  const std::string path = manifestPathOf(copy);
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw Error(Error::Kind::kInvalidArgument, "no_manifest",
                "there is no manifest at " + path + ": a copy without its manifest cannot be checked");
  // A manifest is under 1 KB; a file far larger is not one, and is not read into memory.
  constexpr std::streamsize kMaxManifestBytes = 64 * 1024;
  std::string text(static_cast<size_t>(kMaxManifestBytes) + 1, '\0');
  in.read(text.data(), kMaxManifestBytes + 1);
  if (in.gcount() > kMaxManifestBytes)
    throw Error(Error::Kind::kInvalidArgument, "invalid_manifest", path + " is larger than 64 KiB: not a backup manifest");
  text.resize(static_cast<size_t>(in.gcount()));
  return BackupManifest::parse(text);
}

std::vector<std::string> compareManifests(const BackupManifest& recorded, const BackupManifest& found) {
  std::vector<std::string> out;
  auto check = [&out](const std::string& what, const auto& a, const auto& b) {
    std::ostringstream s;
    if (a != b) {
      s << what << ": the manifest says " << a << ", the copy has " << b;
      out.push_back(s.str());
    }
  };
  check("SHA-256", recorded.sha256, found.sha256);
  check("size in bytes", recorded.bytes, found.bytes);
  check("schema", recorded.schema, found.schema);
  check("store id", recorded.store_id, found.store_id);
  check("events", recorded.events, found.events);
  check("obligations", recorded.obligations, found.obligations);
  check("letters", recorded.letters, found.letters);
  check("outbox messages", recorded.outbox, found.outbox);
  check("audit entries", recorded.audit_entries, found.audit_entries);
  check("audit head entry", recorded.audit_head_seq, found.audit_head_seq);
  check("audit head hash", recorded.audit_head_hash, found.audit_head_hash);
  return out;
}

}  // namespace vc::storage
