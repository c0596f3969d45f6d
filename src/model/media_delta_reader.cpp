#include "model/media_delta_reader.hpp"

#include "model/shape_handler.hpp"

#include <boost/json/basic_parser_impl.hpp>

#include <cstdint>
#include <string>

namespace gemini::detail {
namespace {

namespace json = boost::json;
using boost::system::error_code;

enum class media_member : unsigned { none, event_type, index, event_id, delta, delta_type, data, mime_type, uri };

/// SAX handler: accepts only the media-delta shape and gives up (returns false, which stops the
/// parser) at the first member, type or value outside it. The strings go straight to their
/// place, in as many parts as the parser hands over (escapes split them).
class media_delta_handler : public delta_shape_handler<media_delta_handler, media_member>
{
public:
    // `key` at `depth` (1: the event, 2: its delta); none for a member the shape has no place for.
    static media_member classify(std::string_view key, int depth) noexcept
    {
        if (depth == 1)
            return key == "event_type" ? media_member::event_type
                   : key == "index"    ? media_member::index
                   : key == "event_id" ? media_member::event_id
                   : key == "delta"    ? media_member::delta
                                       : media_member::none;
        if (depth == 2)
            return key == "type"        ? media_member::delta_type
                   : key == "data"      ? media_member::data
                   : key == "mime_type" ? media_member::mime_type
                   : key == "uri"       ? media_member::uri
                                        : media_member::none;
        return media_member::none;
    }

    /// The event, once the whole document was accepted.
    std::optional<event> take()
    {
        if (!seen(media_member::event_type) || !seen(media_member::delta) || !seen(media_member::delta_type))
            return std::nullopt;
        std::optional<event> out;
        if (type_ == image_delta_event::delta_type)
            out.emplace(make<image_delta_event>());
        else if (type_ == audio_delta_event::delta_type)
            out.emplace(make<audio_delta_event>());
        else if (type_ == video_delta_event::delta_type)
            out.emplace(make<video_delta_event>());
        else if (type_ == document_delta_event::delta_type)
            out.emplace(make<document_delta_event>());
        else
            return std::nullopt;
        if (seen(media_member::index))
            out->index = index_;
        if (seen(media_member::event_id))
            out->event_id = std::move(event_id_);
        return out;
    }

    bool on_string_part(std::string_view part, std::size_t, error_code&) { return append(part); }
    bool on_string(std::string_view last, std::size_t, error_code&)
    {
        return append(last) && (current_ != media_member::event_type || event_type_ == "step.delta");
    }

private:
    // A part of the current member's string; false for a member that is no string.
    bool append(std::string_view part)
    {
        std::string* target = nullptr;
        switch (current_)
        {
        case media_member::event_type: target = &event_type_; break;
        case media_member::event_id: target = &event_id_; break;
        case media_member::delta_type: target = &type_; break;
        case media_member::data: target = &data_; break;
        case media_member::mime_type: target = &mime_type_; break;
        case media_member::uri: target = &uri_; break;
        default: return false;
        }
        target->append(part);
        return true;
    }

    template <class Delta>
    Delta make()
    {
        Delta d;
        if (seen(media_member::data))
            d.data = std::move(data_);
        if (seen(media_member::mime_type))
            d.mime_type = std::move(mime_type_);
        if (seen(media_member::uri))
            d.uri = std::move(uri_);
        return d;
    }

    std::string event_type_, event_id_, type_, data_, mime_type_, uri_;
};

} // namespace

std::optional<event> read_media_delta(std::string_view json)
{
    return read_with<media_delta_handler>(json);
}

} // namespace gemini::detail
