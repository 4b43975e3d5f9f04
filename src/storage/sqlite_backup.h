#pragma once
// Online backups of the SQLite store (issue 19), and the manifest that lets a copy be checked before it
// is trusted. PostgreSQL has its own (pg_dump, base backups): docs/deployment.md.
//
//   copyLiveStore   one consistent copy of a store a daemon may be writing to. SQLite's online backup API
//                   copies every page in one step, inside one read transaction: in WAL mode that never
//                   blocks a writer (the writers append to the WAL; only a checkpoint waits for the copy to
//                   end), and the copy is the store as of one commit.
//   describeCopy    what a manifest records, read from the copy itself: schema, counts, the audit chain's
//                   head (the chain verified under the audit keys), the file's SHA-256.
//   checkCopy       a copy against its manifest: every field must match, and the chain must hold.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/keyring.h"

namespace vc::storage {

struct BackupManifest {
  int format = 1;
  std::string made_at;  // RFC 3339, when the copy was taken
  std::string source;   // the store it was taken from
  std::string store_id;  // the store's random id (its audit checkpoints carry it)
  int schema = 0;
  int64_t events = 0;
  int64_t obligations = 0;
  int64_t letters = 0;
  int64_t outbox = 0;
  int64_t audit_entries = 0;
  int64_t audit_head_seq = 0;
  std::string audit_head_hash;
  int64_t bytes = 0;
  std::string sha256;  // of the copy's file

  std::string toJson() const;
  // Throws vc::Error (invalid_manifest) when the text is not a manifest of this format.
  static BackupManifest parse(const std::string& json);
};

// The manifest's path, beside the copy.
inline std::string manifestPathOf(const std::string& copy) { return copy + ".manifest.json"; }

// Copies the store at `source` into `dest`: written as dest + ".partial", made a single self-contained file
// (journal_mode DELETE), synced, then renamed into place and its directory synced, so `dest` is either
// absent or whole. Throws vc::Error: backup_exists if `dest` is there already, backup_failed otherwise.
void copyLiveStore(const std::string& source, const std::string& dest);

// What the manifest of `copy` should say. The audit chain is verified (without the checkpoint file: the copy is
// older than the checkpoints made since), with `audit_keys`; a broken chain throws vc::Error (audit_broken).
BackupManifest describeCopy(const std::string& copy, std::shared_ptr<const Keyring> audit_keys);

// Writes the manifest beside the copy (via a temporary file and a rename).
void writeManifest(const std::string& copy, const BackupManifest& manifest);
BackupManifest readManifest(const std::string& copy);  // throws vc::Error (no_manifest, invalid_manifest)

// The differences between what a manifest says and what the copy holds, in words; empty when they agree.
std::vector<std::string> compareManifests(const BackupManifest& recorded, const BackupManifest& found);

// SHA-256 of a file, read in blocks (a store may be gigabytes).
std::string sha256OfFile(const std::string& path);

}  // namespace vc::storage
