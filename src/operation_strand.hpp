// The strand that serialises the coroutines of one operation.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>

namespace gemini::detail {

/// A new strand over `ex`. When `ex` is an io_context's executor the strand is built over that
/// concrete type: such a strand fits in any_io_executor's small buffer, while a strand over
/// any_io_executor does not, and then every copy of the operation's executor (dozens per request
/// inside Asio's coroutine machinery) was a heap allocation.
inline boost::asio::any_io_executor make_operation_strand(const boost::asio::any_io_executor& ex)
{
    if (const auto* io = ex.target<boost::asio::io_context::executor_type>())
        return boost::asio::make_strand(*io);
    return boost::asio::make_strand(ex);
}

} // namespace gemini::detail
