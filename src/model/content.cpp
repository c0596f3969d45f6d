// Factories of content blocks.
#include <gemini/model/content.hpp>

#include <utility>

namespace gemini {

namespace {

/// A media block of type Block from inline data or a reference.
template<class Block>
content media(std::optional<std::string> data, std::optional<std::string> uri, std::string mime_type)
{
    Block b;
    b.data = std::move(data);
    b.uri = std::move(uri);
    b.mime_type = std::move(mime_type);
    return content(std::move(b));
}

} // namespace

content content::text(std::string text)
{
    return text_content{.text = std::move(text)};
}

content content::image_data(std::string base64, std::string mime_type)
{
    return media<image_content>(std::move(base64), std::nullopt, std::move(mime_type));
}

content content::audio_data(std::string base64, std::string mime_type)
{
    return media<audio_content>(std::move(base64), std::nullopt, std::move(mime_type));
}

content content::document_data(std::string base64, std::string mime_type)
{
    return media<document_content>(std::move(base64), std::nullopt, std::move(mime_type));
}

content content::video_data(std::string base64, std::string mime_type)
{
    return media<video_content>(std::move(base64), std::nullopt, std::move(mime_type));
}

content content::image_uri(std::string uri, std::string mime_type)
{
    return media<image_content>(std::nullopt, std::move(uri), std::move(mime_type));
}

content content::audio_uri(std::string uri, std::string mime_type)
{
    return media<audio_content>(std::nullopt, std::move(uri), std::move(mime_type));
}

content content::document_uri(std::string uri, std::string mime_type)
{
    return media<document_content>(std::nullopt, std::move(uri), std::move(mime_type));
}

content content::video_uri(std::string uri, std::string mime_type)
{
    return media<video_content>(std::nullopt, std::move(uri), std::move(mime_type));
}

const std::string* content::text_if() const noexcept
{
    const auto* t = get_if<text_content>();
    return t ? &t->text : nullptr;
}

} // namespace gemini
