#pragma once
// The system's CA certificates in a client's trust store, read when a verification first needs
// them rather than when the client is made.

struct ssl_ctx_st;

namespace gemini::detail {

/// Trusts what SSL_CTX_set_default_verify_paths would (the file named by SSL_CERT_FILE or
/// OpenSSL's default, the directory named by SSL_CERT_DIR or OpenSSL's default), with the
/// same outcome for every verification. The difference is when the file is read: that call
/// parses every certificate of it at once (144 on Debian: 236 million instructions, about
/// 25 ms of CPU, and for gemini-bench's 10,000 requests about a quarter of its instructions
/// per request), here it is read the first time the store lacks an issuer, so a client that
/// trusts its own CA (the emulator's) never reads it. The file's name is taken now, as that
/// call takes it. A file that cannot be read is no error, as with that call.
void trust_system_store(ssl_ctx_st* ctx);

} // namespace gemini::detail
