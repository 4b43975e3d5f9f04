#pragma once

#include "storage/records.h"

#include <optional>
#include <string>

namespace vc::storage {

// An obligation's body (its whole JSON, as ingest::obligationJson writes it) is stored packed (issue 16,
// item 6: it was 1.7 KB an obligation, 80% of the obligations table): what the row's columns already hold
// (id, rule, victim_id, case_urn, trigger_event, kind, basis, policy, tier), null values and an empty
// `changes` are left out, and the explanation, minus the fields it repeats from the obligation, is
// compressed (zstd) against a fixed dictionary of the engine's phrases and held as "z2:<size>:<base64>"
// ("z1:", zlib with the same dictionary, as written before 2026-12, is still read).
//
// A packed body is still a JSON object (the ledger reads `right`, `trigger_date`, `extension`... with
// json_extract, a missing key reading as the null it stood for; a purge sets `$.explanation` and
// `$.changes` with json_set), marked by its first key, "packed". Both work on the JSON text member by
// member, each value kept exactly as written (no parse and re-serialise, which
// cost about 3.5 times the CPU in the migration).
// unpackObligationBody gives back, byte for byte, the body that was packed: packObligationBody checks
// that before it returns the packed form, and returns the body as given where it would not (an older
// shape, white space...), so either kind may be in the column and each reads back as written.
//
// The dictionary is part of the stored formats ("z1" and "z2"): never change it; a new one needs a new prefix.
std::string packObligationBody(const std::string& body, const ObligationRow& columns);
std::string unpackObligationBody(const std::string& stored, const ObligationRow& columns);

// A purge reads and rewrites one member of a body (stored or unpacked) as text, so that both stores hold the same
// text after it (SQLite's json_set kept the members' order; PostgreSQL's jsonb_set would not). Each gives nullopt
// when `body` is not a JSON object written without white space (which every body this build writes is).
//
// What json_extract(body, '$.<key>') gives: the member's JSON text ("" where it is missing or null; a string's
// value unescaped).
std::optional<std::string> obligationBodyMember(const std::string& body, const std::string& key);
// What json_set(body, '$.<key>', json(json_value)) gives: the member's value replaced where it is, every other
// byte kept; added at the end where it is missing.
std::optional<std::string> withObligationBodyMember(const std::string& body, const std::string& key,
                                                    const std::string& json_value);

}  // namespace vc::storage
