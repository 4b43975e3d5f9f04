#pragma once

#include "storage/records.h"

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

}  // namespace vc::storage
