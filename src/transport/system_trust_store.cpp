#include "transport/system_trust_store.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <cstdlib>
#include <mutex>
#include <new>
#include <string>

namespace gemini::detail {

namespace {

/// What a lazy lookup keeps: the file, and whether it has been read into the store.
struct lazy_file
{
    std::string path;
    std::once_flag read;
};

lazy_file& state(X509_LOOKUP* lookup) { return *static_cast<lazy_file*>(X509_LOOKUP_get_method_data(lookup)); }

int new_lazy_file(X509_LOOKUP* lookup)
{
    auto* s = new (std::nothrow) lazy_file;
    if (!s)
        return 0;
    X509_LOOKUP_set_method_data(lookup, s);
    return 1;
}

void free_lazy_file(X509_LOOKUP* lookup) { delete &state(lookup); }

// Called by OpenSSL when the store's own certificates hold no match for `name` (without the
// store's lock held): the first call reads the file into the store, every call then answers
// from the store as OpenSSL's directory lookup does.
int find_in_lazy_file(X509_LOOKUP* lookup, X509_LOOKUP_TYPE type, const X509_NAME* name, X509_OBJECT* ret)
{
    if (type != X509_LU_X509)
        return 0;
    lazy_file& s = state(lookup);
    std::call_once(s.read, [&] {
        // A missing or unreadable file leaves the store as it is; its errors must not reach
        // the queue a handshake's SSL_get_error reads.
        ERR_set_mark();
        if (!s.path.empty())
            X509_load_cert_crl_file(lookup, s.path.c_str(), X509_FILETYPE_PEM);
        ERR_pop_to_mark();
    });
    X509_STORE* store = X509_LOOKUP_get_store(lookup);
    if (!X509_STORE_lock(store))
        return 0;
    X509_OBJECT* found = X509_OBJECT_retrieve_by_subject(X509_STORE_get0_objects(store), type, name);
    X509* cert = found ? X509_OBJECT_get0_X509(found) : nullptr;
    X509_STORE_unlock(store);
    // The caller takes its own reference to what `ret` names (OpenSSL's lookups hand the
    // store's object over uncounted): set1 counts one, which is given back at once. The store
    // never drops a certificate, so it stays alive in between.
    if (!cert || !X509_OBJECT_set1_X509(ret, cert))
        return 0;
    X509_free(cert);
    return 1;
}

const X509_LOOKUP_METHOD* lazy_file_method()
{
    static X509_LOOKUP_METHOD* const method = [] {
        X509_LOOKUP_METHOD* m = X509_LOOKUP_meth_new("gemini lazy CA file");
        if (!m || !X509_LOOKUP_meth_set_new_item(m, &new_lazy_file) || !X509_LOOKUP_meth_set_free(m, &free_lazy_file) ||
            !X509_LOOKUP_meth_set_get_by_subject(m, &find_in_lazy_file))
            throw std::bad_alloc();
        return m;
    }();
    return method;
}

std::string from_env_or(const char* variable, const char* fallback)
{
    const char* v = std::getenv(variable);
    return v ? v : fallback;
}

} // namespace

void trust_system_store(ssl_ctx_st* ctx)
{
    X509_STORE* store = SSL_CTX_get_cert_store(ctx);
    X509_LOOKUP* file = X509_STORE_add_lookup(store, const_cast<X509_LOOKUP_METHOD*>(lazy_file_method()));
    if (!file)
        throw std::bad_alloc();
    state(file).path = from_env_or(X509_get_default_cert_file_env(), X509_get_default_cert_file());
    // The directory lookup reads a certificate only when its hashed name is asked for already.
    X509_LOOKUP* dir = X509_STORE_add_lookup(store, X509_LOOKUP_hash_dir());
    if (!dir)
        throw std::bad_alloc();
    ERR_set_mark();
    X509_LOOKUP_add_dir(dir, from_env_or(X509_get_default_cert_dir_env(), X509_get_default_cert_dir()).c_str(),
                        X509_FILETYPE_PEM);
    ERR_pop_to_mark();
}

} // namespace gemini::detail
