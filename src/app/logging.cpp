#include "app/logging.h"

#include <Poco/AutoPtr.h>
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

}  // namespace vc::app
