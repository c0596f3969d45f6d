#pragma once
#include <cstddef>
#include <cstdint>

namespace gemini {

/// A snapshot of a client's connection pool, for tests, metrics and leak checks.
struct pool_stats
{
    std::size_t open = 0;              ///< connections that exist (idle + in use + being opened)
    std::size_t idle = 0;              ///< parked, ready for reuse
    std::size_t in_use = 0;            ///< lent to an operation (including ones being opened)
    std::size_t waiting = 0;           ///< operations queued for a connection
    std::uint64_t created_total = 0;   ///< connections ever opened (TLS handshakes done)
    std::uint64_t reused_total = 0;    ///< times an idle connection was taken again
    std::uint64_t discarded_total = 0; ///< idle connections found dead or expired and replaced
    std::uint64_t resumed_total = 0;   ///< of created_total, TLS handshakes that resumed a session
};

} // namespace gemini
