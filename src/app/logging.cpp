#include "app/logging.h"

#include <pthread.h>
#include <signal.h>
#include <time.h>

#include <Poco/AutoPtr.h>
#include <Poco/FileChannel.h>
#include <Poco/LoggingRegistry.h>
#include <Poco/ConsoleChannel.h>
#include <Poco/FormattingChannel.h>
#include <Poco/Logger.h>
#include <Poco/PatternFormatter.h>
#include <Poco/Util/LoggingConfigurator.h>
#include <Poco/Util/MapConfiguration.h>

namespace vc::app {

void configureLogging(const Settings& settings) {
  if (settings.logging.empty()) {
    Poco::AutoPtr<Poco::PatternFormatter> f(new Poco::PatternFormatter("%Y-%m-%dT%H:%M:%S%z [%p] %s: %t"));
    Poco::AutoPtr<Poco::FormattingChannel> c(new Poco::FormattingChannel(f, new Poco::ConsoleChannel));
    Poco::Logger::root().setChannel(c);
    Poco::Logger::root().setLevel(Poco::Message::PRIO_INFORMATION);
    return;
  }
  Poco::AutoPtr<Poco::Util::MapConfiguration> map(new Poco::Util::MapConfiguration);
  for (const auto& [k, v] : settings.logging) map->setString(k, v);
  Poco::Util::LoggingConfigurator().configure(map);
}

int reopenLogFiles(const Settings& settings) {
  int reopened = 0;
  for (const auto& [key, value] : settings.logging) {
    // logging.channels.NAME.class: the channels LoggingConfigurator registered under NAME.
    const std::string prefix = "logging.channels.", suffix = ".class";
    if (key.rfind(prefix, 0) != 0 || key.size() <= prefix.size() + suffix.size() ||
        key.compare(key.size() - suffix.size(), suffix.size(), suffix) != 0)
      continue;
    const std::string name = key.substr(prefix.size(), key.size() - prefix.size() - suffix.size());
    Poco::Channel::Ptr channel;
    try {
      channel = Poco::LoggingRegistry::defaultRegistry().channelForName(name);
    } catch (const Poco::NotFoundException&) {
      continue;
    }
    for (int depth = 0; channel && depth < 4; ++depth) {
      if (auto* file = dynamic_cast<Poco::FileChannel*>(channel.get())) {
        file->close();  // FileChannel takes its own lock: a message being written finishes first
        file->open();
        ++reopened;
        break;
      }
      auto* formatting = dynamic_cast<Poco::FormattingChannel*>(channel.get());
      channel = formatting ? formatting->getChannel() : nullptr;
    }
  }
  return reopened;
}

HangupReopensLogs::HangupReopensLogs(const Settings& settings) : settings_(settings) {
  sigset_t hup;
  sigemptyset(&hup);
  sigaddset(&hup, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &hup, nullptr);
  thread_ = std::thread([this, hup] {
    const timespec tick{0, 200 * 1000 * 1000};  // checks stopping_ five times a second
    while (!stopping_) {
      if (sigtimedwait(&hup, nullptr, &tick) != SIGHUP) continue;
      const int n = reopenLogFiles(settings_);
      Poco::Logger::get("vc.app").information("SIGHUP: reopened %d log file(s)", n);
    }
  });
}

HangupReopensLogs::~HangupReopensLogs() {
  stopping_ = true;
  if (thread_.joinable()) thread_.join();
  sigset_t hup;
  sigemptyset(&hup);
  sigaddset(&hup, SIGHUP);
  pthread_sigmask(SIG_UNBLOCK, &hup, nullptr);
}

}  // namespace vc::app
