#include "create_body.hpp"

#include "model/json_io.hpp"
#include "operation.hpp"

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value_from.hpp>

#include <stdexcept>

namespace gemini::detail {

std::string create_body(const request& req, const request_options& opts, bool streaming)
{
    if (req.model.has_value() == req.agent.has_value())
        reject_argument("a request needs exactly one of model and agent");
    if (!streaming && req.stream.value_or(false))
        reject_argument("stream:true needs client::stream(), not create()");
    // The DOM lives only until it is serialized: carved from a buffer on the stack (a larger
    // request continues in heap blocks freed on return), not one allocation per object and string.
    unsigned char scratch[4096];
    json::monotonic_resource arena(scratch, sizeof scratch);
    json::value body = json::value_from(req, json::storage_ptr(&arena));
    auto& fields = body.as_object();
    if (streaming)
        fields["stream"] = true;
    for (const auto& [key, value] : opts.extra_body)
        fields[key] = value;
    try
    {
        require_finite_numbers(body, json_path{nullptr, "request"});
    }
    catch (const std::invalid_argument& e)
    {
        reject_argument(e.what());
    }
    return json::serialize(body);
}

} // namespace gemini::detail
