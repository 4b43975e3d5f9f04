#pragma once
// JSON in and out for the API handlers: parsing bodies, writing responses,
// and the query parameters every list shares. Stateless; thread-safe.

#include <string>

#include <Poco/Dynamic/Var.h>
#include <Poco/JSON/Object.h>

#include "common/error.h"
#include "http/request.h"
#include "storage/records.h"

namespace vc::http {

Poco::JSON::Object::Ptr ordered();                    // an object that keeps the order keys were set in
// JSON the daemon wrote itself (stored rows); keeps key order; throws Poco::JSON exceptions.
// A caller's JSON is read with readUntrustedJson (common/json_reader.h).
Poco::Dynamic::Var parseJson(const std::string& text);
// A request body that must be one JSON object: 415 if not JSON, 400 if malformed (a key given
// twice included) or not an object, or if any text in it holds a control character other than
// the line breaks and tabs of free text (the field is named).
Poco::JSON::Object::Ptr bodyObject(const Request& req);
Response json(const Poco::JSON::Object::Ptr& o, int status = 200);
Response json(std::string text, int status = 200);  // JSON text written already (json_writer.h)
Error notFound(const std::string& what);
void requireJsonBody(const Request& req);             // 415 unless Content-Type is application/json
int limitFrom(const Request& req);                    // ?limit=, 1..1000, default 100
std::string dateParam(const Request& req, const std::string& key);  // "" or a valid YYYY-MM-DD
// The audit log's filters (actor, action, subject, correlation_id, from, to as UTC dates, `to` inclusive),
// limit and cursor (entries older than that seq), for the API and the audit page alike.
storage::AuditFilter auditFilterFrom(const Request& req);

}  // namespace vc::http
