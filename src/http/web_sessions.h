#pragma once
// The web pages' sign-in and sessions, as the router and the pages name them.
// Signing in, resuming and ending a session read and write the store and the
// audit log, so the class is a service (services/web_sessions.h); the front
// only holds it and reads and sets its cookies.

#include "services/web_sessions.h"

namespace vc::http {

using services::WebSessions;
using services::WebSessionSettings;

}  // namespace vc::http
