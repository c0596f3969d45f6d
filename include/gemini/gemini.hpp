#pragma once
// Umbrella header: everything a user of gemini-asio needs.

#include <gemini/chat.hpp>
#include <gemini/client.hpp>
#include <gemini/client_options.hpp>
#include <gemini/error.hpp>
#include <gemini/files.hpp>
#include <gemini/function_registry.hpp>
#include <gemini/media.hpp>
#include <gemini/model.hpp>
#include <gemini/pool_stats.hpp>
#include <gemini/request_options.hpp>
#include <gemini/response_info.hpp>
#include <gemini/structured_output.hpp>
#include <gemini/typed_function.hpp>
#include <gemini/use_awaitable.hpp>
#include <gemini/version.hpp>
