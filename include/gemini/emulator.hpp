// The Gemini Interactions API emulator: a local fake service for tests and offline use.
#pragma once

#include <gemini/emulator/certificate.hpp>
#include <gemini/emulator/server.hpp>
