// image_generation: asks an image model for a picture and writes it to a file.
//
//   build/bin/image_generation [out.png]   (default: a file in the temp directory)
//
// With the real API, set GEMINI_MODEL to an image model (e.g. gemini-3.1-flash-image). The
// in-process emulator answers with a small deterministic PNG (64 px wide, height from the
// aspect ratio).

#include "support/environment.hpp"

#include <gemini/media.hpp>

#include <filesystem>
#include <iostream>
#include <stdexcept>

namespace asio = boost::asio;

namespace {

asio::awaitable<void> generate(gemini::client& client, std::filesystem::path out)
{
    gemini::request req{.model = example::model_name(),
                        .input = "A lighthouse on a cliff at dusk, in watercolour.",
                        .response_format = gemini::image_response("16:9")};
    auto ask = client.create(std::move(req));
    gemini::interaction answer = co_await std::move(ask);

    const gemini::image_content* image = answer.output_image();
    if (!image)
        throw std::runtime_error("the answer holds no image (is GEMINI_MODEL an image model?)");
    // save() decodes the base64 in chunks straight into the file.
    gemini::save(*image, out);

    const auto bytes = gemini::decode(*image);
    std::cout << "Wrote " << out.string() << " (" << bytes.mime_type << ", " << bytes.data.size() << " bytes";
    if (auto size = gemini::image_dimensions(bytes.data))
        std::cout << ", " << size->width << "x" << size->height;
    std::cout << ")\n";
    if (const auto text = answer.output_text(); !text.empty())
        std::cout << "The model also said: " << text << "\n";
}

} // namespace

int main(int argc, char** argv)
{
    const std::filesystem::path out =
        argc > 1 ? std::filesystem::path(argv[1]) : std::filesystem::temp_directory_path() / "gemini-image-generation.png";
    return example::run_example("image_generation", [out](gemini::client& client) { return generate(client, out); });
}
