#include "operation.hpp"

#include "api_error_body.hpp"
#include "transport/transport_failure.hpp"
#include "model/interaction_reader.hpp"
#include "model/scratch_document.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value_to.hpp>
#include <boost/url/encode.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>

namespace gemini::detail {

namespace json = boost::json;

// Turns whatever an operation threw into the error_code and diagnostics users see.
error_code describe_failure(std::exception_ptr failure, diagnostics& diag)
{
    try
    {
        std::rethrow_exception(failure);
    }
    catch (const gemini::error& e)
    {
        const auto operation = std::move(diag.operation);
        const auto id = std::move(diag.interaction_id);
        diag = e.diag();
        diag.operation = operation;
        diag.interaction_id = id;
        return e.code();
    }
    catch (const transport_failure& f)
    {
        diag.library_message = f.what + ": " + f.cause.message();
        diag.transport_error = f.cause;
        return make_error_code(f.code);
    }
    catch (const deadline_exceeded& d)
    {
        diag.library_message = std::string("deadline passed while ") + d.phase;
        return make_error_code(errc::timeout);
    }
    catch (const boost::system::system_error& e)
    {
        if (e.code() == asio::error::operation_aborted)
        {
            diag.library_message = "operation cancelled";
            return e.code();
        }
        if (e.code().category() == error_category())
        {
            diag.library_message = e.code().message();
            return e.code();
        }
        diag.library_message = e.what();
        diag.transport_error = e.code();
        return make_error_code(errc::connection_closed);
    }
    catch (const std::exception& e)
    {
        diag.library_message = e.what();
        return make_error_code(errc::malformed_response);
    }
}

[[noreturn]] void reject_argument(std::string message)
{
    diagnostics diag;
    diag.library_message = std::move(message);
    throw error(make_error_code(errc::invalid_argument), std::move(diag));
}

std::string encode_id(std::string_view id)
{
    if (id.empty())
    {
        diagnostics diag;
        diag.library_message = "interaction id must not be empty";
        throw error(make_error_code(errc::invalid_argument), std::move(diag));
    }
    return boost::urls::encode(id, boost::urls::unreserved_chars);
}

std::unique_ptr<interaction> decode_boxed_interaction(http_reply reply)
{
    return std::unique_ptr<interaction>(new interaction(decode_interaction(std::move(reply))));   // elided: no move
}

interaction decode_interaction(http_reply reply)
{
    const auto content_type = reply.info.header("content-type");
    if (content_type.substr(0, 16) != "application/json")
    {
        diagnostics diag;
        diag.http_status = reply.info.status;
        diag.library_message = "expected application/json, got '" + std::string(content_type) + "'";
        throw error(make_error_code(errc::malformed_response), std::move(diag));
    }
    // Most answers are read straight into `result`; the others are converted from a DOM and
    // move-assigned.
    interaction result;
    if (read_common_interaction(reply.body, result))
    {
        result.http = std::move(reply.info);
        return result;
    }
    error_code ec;
    scratch_document document;
    json::value parsed = document.parse(reply.body, ec);
    if (ec || !parsed.is_object())
    {
        diagnostics diag;
        diag.http_status = reply.info.status;
        diag.library_message = ec ? "response body is not valid JSON: " + ec.message()
                                  : std::string("response body is not a JSON object");
        throw error(make_error_code(errc::malformed_response), std::move(diag));
    }
    const auto convert = [&]() -> interaction {
        try
        {
            return json::value_to<interaction>(parsed);
        }
        catch (const std::exception& e)
        {
            diagnostics diag;
            diag.http_status = reply.info.status;
            diag.library_message = std::string("unexpected interaction JSON: ") + e.what();
            throw error(make_error_code(errc::malformed_response), std::move(diag));
        }
    };
    result = convert();
    result.http = std::move(reply.info);
    return result;
}

} // namespace gemini::detail
