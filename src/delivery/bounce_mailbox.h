#pragma once
// The mailbox directory bounces arrive in (`bounces.dir`): the relay delivers mail to the sender's
// address (smtp.sender) there, one file per message (a Maildir's new/ directory will do). Each pass
// reads every file, and for a delivery status notification about a message this daemon sent (matched
// by its Message-ID, in this daemon's domain) tells the letter or notification what was heard:
// failed (it bounced) or delivered. Then it moves the file to processed/ (read and acted on, or
// nothing to do) or unmatched/ (not a report, not about a message of ours, or it could not be
// applied), so nothing is read twice and a person can look at what did not match.
// Anyone can send mail to that address: reports are read as hostile text (delivery/dsn.h), and only
// one naming a message that was sent, in this daemon's own Message-ID form, changes anything.
// check() is for one worker at a time (the scheduler's thread).

#include <map>
#include <string>

#include "delivery/dsn.h"
#include "storage/database.h"
#include "storage/records.h"

namespace vc::delivery {

// Told what a delivery report said of a message that was sent (report.action failed or delivered).
class ReportListener {
 public:
  virtual ~ReportListener() = default;
  // Returns what was done, for the log (no personal data); throws vc::Error when it cannot be applied.
  virtual std::string reportReceived(const storage::OutboxRow& message, const DeliveryReport& report) = 0;
};

class BounceMailbox {
 public:
  // `dir` "" means no mailbox is watched. `message_id_domain` is the domain of this daemon's Message-IDs.
  BounceMailbox(storage::Database& db, std::string dir, std::string message_id_domain);

  // `kind` is OutboxRow::kind(): letter | notification.
  void setListener(const std::string& kind, ReportListener* listener) { listeners_[kind] = listener; }

  struct Result {
    int read = 0, applied = 0, unmatched = 0;
  };
  Result check();

  const std::string& dir() const { return dir_; }

 private:
  // What became of one file: "" when acted on, else why it did not match.
  std::string handle(const std::string& mail, std::string& done);

  storage::Database& db_;
  std::string dir_;
  std::string domain_;
  std::map<std::string, ReportListener*> listeners_;
};

}  // namespace vc::delivery
