#pragma once
// What every documentation snippet can use (docs/architecture.md, "Documentation snippets").
// cmake/GeminiDocSnippets.cmake includes this first in the program it generates from each
// docs/*.md and README.md (precompiled once). Keep it small: a reader must guess these names.
#include <gemini/gemini.hpp>
#include <gemini/emulator.hpp>

#include <boost/asio.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/experimental/parallel_group.hpp>
#include <boost/describe.hpp>
#include <boost/json.hpp>

#include <chrono>
#include <cstdint>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

namespace asio = boost::asio;
namespace json = boost::json;

// A fragment (a ```cpp block that is not namespace-scope code) is the body of
//   boost::asio::awaitable<void> f(GEMINI_DOC_SNIPPET_PARAMETERS)
// so it may use, without declaring them:
//   client    a gemini::client
//   executor  the executor the client runs on (boost::asio::any_io_executor)
//   emulator  a gemini::emulator::server (for the emulator and testing snippets)
//   id        the id of an interaction (std::string)
//   req       a request to send (gemini::request)
#define GEMINI_DOC_SNIPPET_PARAMETERS                                                            \
    [[maybe_unused]] gemini::client& client, [[maybe_unused]] boost::asio::any_io_executor executor, \
        [[maybe_unused]] gemini::emulator::server& emulator, [[maybe_unused]] std::string id,      \
        [[maybe_unused]] gemini::request req
