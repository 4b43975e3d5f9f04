#pragma once
// Configures Poco's logging from the logging.* settings (LoggingConfigurator);
// with none, logs to the console at information level.

#include "app/settings.h"

namespace vc::app {
void configureLogging(const Settings& settings);
}
