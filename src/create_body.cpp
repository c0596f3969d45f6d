#include "create_body.hpp"

#include "model/json_io.hpp"
#include "operation.hpp"

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
    json::value body = json::value_from(req);
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
