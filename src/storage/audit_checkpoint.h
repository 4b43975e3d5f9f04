#pragma once
// The audit chain's head, noted from time to time in a file outside the
// database (audit.checkpoint_file), so that entries cut from the end, a log
// emptied, or entries rewritten by someone who holds the key show up when the
// log is verified. The file is only ever appended to, one line per checkpoint:
//
//   audit-checkpoint v1 store=<store id> seq=<n> hash=<64 hex> at=<RFC 3339> key=<key id> mac=<64 hex>
//
// `seq` and `hash` are the last entry's (0 and 64 zeros for an empty log);
// `mac` is HMAC-SHA256, under the audit key `key`, of the line up to " mac=",
// so a line cannot be made or changed without the key. Plain functions, no
// state: an append is one write(2) on a file opened O_APPEND, then fsync.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/keyring.h"

namespace vc::storage {

struct Checkpoint {
  int line = 0;  // in the file, from 1
  std::string store;
  int64_t seq = 0;
  std::string hash, at, key_id, mac;
  std::string made_over;  // the text the MAC is over
};

struct CheckpointFile {
  bool exists = false;
  std::vector<Checkpoint> checkpoints;  // the well-formed lines, in file order
  std::vector<int> malformed;           // numbers of the lines that are not checkpoint lines
};

// One line for the file, newline included, its MAC made with the current key.
std::string formatCheckpoint(const std::string& store, int64_t seq, const std::string& hash, const std::string& at,
                             const Keyring& keys);
// Reads the whole file (a missing file reads as no lines). Throws on a file that exists but cannot be read.
CheckpointFile readCheckpoints(const std::string& path);
// The store id of the first well-formed line, if any (reads no further).
std::optional<std::string> checkpointStore(const std::string& path);
// Whether the line's MAC is right; nullopt when made with a key `keys` does not hold.
std::optional<bool> checkpointAuthentic(const Checkpoint& c, const Keyring& keys);
// Appends one line, making the file (mode 0640) and its directory if need be, and syncs it.
void appendCheckpoint(const std::string& path, const std::string& line);

}  // namespace vc::storage
