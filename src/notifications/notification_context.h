#pragma once
// What an ISVA notification may say, and nothing more: what happened, when,
// the case reference, the victim's initials, who to contact at the CPS and a
// link to the ISVA's inbox. The builder reads only the fields it prints from
// the stored JSON it is given (never the victim's address, date of birth,
// health, flags, the prosecutor's reasons or the evidence), so nothing else
// can reach a template. Every field is always present (lists of none or one
// for the optional parts), as for letters. Stateless functions; thread-safe.

#include <string>

#include <Poco/JSON/Object.h>

#include "letters/letter_context.h"
#include "rendering/value.h"

namespace vc::notifications {

struct NotificationInputs {
  std::string notification_id;             // "n-5"
  std::string case_urn;
  Poco::JSON::Object::Ptr victim_profile;  // only the name is read, for the initials
  Poco::JSON::Object::Ptr case_details;    // only the prosecutor and Victim Liaison Officer are read
  Poco::JSON::Object::Ptr trigger;         // the event the ISVA is told of
  Poco::JSON::Object::Ptr isva;            // the ISVA's registered details
  Poco::JSON::Object::Ptr meeting;         // the meeting (for a meeting response), or null
  const letters::VluContact* vlu = nullptr;
  std::string inbox_url;                   // where the ISVA reads it ("<public url>/inbox/n-5", the page web/templates/inbox_item.mustache)
};

struct NotificationContext {
  rendering::Value data;
  std::string language;         // en | cy: the ISVA's
  std::string recipient_email;  // the ISVA's
};

NotificationContext buildNotificationContext(const NotificationInputs& in);

// "J.S." from {"given": "Jane", "family": "Smith"}; "" without a name.
std::string initials(const Poco::JSON::Object::Ptr& name);

// The subject line: nothing identifying.
std::string notificationSubject(const std::string& language);

// Synthetic inputs for one kind of trigger event (e.g. "hearing.listed") in a language.
NotificationInputs sampleNotificationInputs(const std::string& event_type, const std::string& language);
// Every trigger type the samples cover (the ISVA-NOTE triggers).
const std::vector<std::string>& sampleNotificationEvents();
// The shape every notification template is checked against.
rendering::Value notificationContextSchema();

}  // namespace vc::notifications
