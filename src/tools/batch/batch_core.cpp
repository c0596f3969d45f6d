#include "tools/batch/batch_core.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value_from.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <stdexcept>
#include <unordered_map>

namespace gemini::batch {

namespace json = boost::json;

namespace {

[[noreturn]] void bad_line(std::size_t line, const std::string& what)
{
    throw std::invalid_argument("line " + std::to_string(line) + ": " + what);
}

std::size_t text_chars(const json::value& v)
{
    if (v.is_string())
        return v.get_string().size();
    std::size_t n = 0;
    if (v.is_array())
        for (const auto& e : v.get_array())
            n += text_chars(e);
    else if (v.is_object())
        for (const auto& [k, e] : v.get_object())
            if (k != "type")   // block and step tags are not text the model reads
                n += text_chars(e);
    return n;
}

} // namespace

// ---- input --------------------------------------------------------------------------------

job parse_input_line(std::string_view line, std::size_t line_number, const job_defaults& defaults)
{
    boost::system::error_code ec;
    json::value v = json::parse(line, ec);
    if (ec)
        bad_line(line_number, "not JSON (" + ec.message() + ")");
    if (!v.is_object())
        bad_line(line_number, "expected a JSON object (a create request body)");
    job j;
    j.line = line_number;
    j.body = std::move(v.as_object());
    if (auto* id = j.body.if_contains("id"))
    {
        if (id->is_string())
            j.id = std::string(id->get_string());
        else if (id->is_int64() || id->is_uint64())
            j.id = json::serialize(*id);
        else
            bad_line(line_number, "`id` must be a string or an integer");
        if (j.id.empty())
            bad_line(line_number, "`id` must not be empty");
        j.body.erase("id");
    }
    else
        j.id = "line-" + std::to_string(line_number);
    // `stream` belongs to the run (--stream), not to the item.
    j.body.erase("stream");
    if (!j.body.contains("model") && !j.body.contains("agent"))
    {
        if (defaults.model.empty())
            bad_line(line_number, "no `model` or `agent`, and no --model default");
        j.body["model"] = defaults.model;
    }
    for (const char* key : {"model", "agent"})
        if (auto* f = j.body.if_contains(key); f && !f->is_string())
            bad_line(line_number, std::string("`") + key + "` must be a string");
    if (!j.body.contains("input"))
        bad_line(line_number, "no `input`");
    return j;
}

std::vector<job> parse_input(std::string_view text, const job_defaults& defaults)
{
    std::vector<job> jobs;
    std::unordered_map<std::string, std::size_t> seen;
    std::size_t line_number = 0;
    while (!text.empty())
    {
        ++line_number;
        auto nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
        if (!line.empty() && line.back() == '\r')
            line.remove_suffix(1);
        if (line.find_first_not_of(" \t") == std::string_view::npos)
            continue;
        job j = parse_input_line(line, line_number, defaults);
        auto [it, fresh] = seen.emplace(j.id, line_number);
        if (!fresh)
            bad_line(line_number, "duplicate id \"" + j.id + "\" (first on line " + std::to_string(it->second) + ")");
        jobs.push_back(std::move(j));
    }
    return jobs;
}

std::int64_t estimate_tokens(const json::object& body, std::int64_t expected_output)
{
    std::size_t chars = 0;
    for (const char* key : {"input", "system_instruction"})
        if (auto* v = body.if_contains(key))
            chars += text_chars(*v);
    std::int64_t output = expected_output;
    if (auto* cfg = body.if_contains("generation_config"); cfg && cfg->is_object())
        if (auto* m = cfg->get_object().if_contains("max_output_tokens"); m && m->is_int64())
            output = m->get_int64();
    return static_cast<std::int64_t>((chars + 3) / 4) + std::max<std::int64_t>(output, 0);
}

// ---- sharding -----------------------------------------------------------------------------

shard parse_shard(std::string_view text)
{
    auto slash = text.find('/');
    auto number = [&](std::string_view s) -> unsigned {
        if (s.empty() || s.size() > 6 || s.find_first_not_of("0123456789") != std::string_view::npos)
            throw std::invalid_argument("--shard expects i/n with 0 <= i < n, got \"" + std::string(text) + "\"");
        return static_cast<unsigned>(std::stoul(std::string(s)));
    };
    if (slash == std::string_view::npos)
        number({});
    shard s{number(text.substr(0, slash)), number(text.substr(slash + 1))};
    if (s.count == 0 || s.index >= s.count)
        number({});
    return s;
}

bool in_shard(std::string_view id, const shard& s) noexcept
{
    std::uint64_t h = 14695981039346656037ull;
    for (unsigned char c : id)
    {
        h ^= c;
        h *= 1099511628211ull;
    }
    return s.count <= 1 || h % s.count == s.index;
}

// ---- results ------------------------------------------------------------------------------

namespace {

// Calls f(line, id, status) for every complete line; id empty when the line is not a result.
template <class F>
std::size_t for_each_line(std::string_view content, F f)
{
    std::size_t pos = 0;
    while (true)
    {
        auto nl = content.find('\n', pos);
        if (nl == std::string_view::npos)
            return pos;
        std::string_view line = content.substr(pos, nl - pos);
        std::string id, status;
        boost::system::error_code ec;
        json::value v = json::parse(line, ec);
        if (!ec && v.is_object())
        {
            const auto& o = v.get_object();
            auto* i = o.if_contains("id");
            auto* s = o.if_contains("status");
            if (i && i->is_string() && !i->get_string().empty() && s && s->is_string())
            {
                id = std::string(i->get_string());
                status = std::string(s->get_string());
            }
        }
        f(content.substr(pos, nl + 1 - pos), id, status);
        pos = nl + 1;
    }
}

} // namespace

scan_result scan_results(std::string_view content)
{
    scan_result r;
    r.complete_bytes = for_each_line(content, [&](std::string_view, const std::string& id, const std::string& status) {
        if (id.empty())
        {
            ++r.bad_lines;
            return;
        }
        ++r.lines;
        auto [it, fresh] = r.status.insert_or_assign(id, status);
        if (!fresh)
            ++r.duplicate_lines;
    });
    r.torn_bytes = content.size() - r.complete_bytes;
    return r;
}

std::string rewrite_results(std::string_view content, const std::set<std::string>& drop)
{
    // The last line of each id wins; lines keep their order.
    std::map<std::string, std::size_t> last;
    std::size_t n = 0;
    for_each_line(content, [&](std::string_view, const std::string& id, const std::string&) {
        if (!id.empty())
            last[id] = n;
        ++n;
    });
    std::string out;
    n = 0;
    for_each_line(content, [&](std::string_view line, const std::string& id, const std::string&) {
        if (!id.empty() && !drop.contains(id) && last[id] == n)
            out += line;
        ++n;
    });
    return out;
}

item_result result_from_interaction(std::string id, const interaction& i)
{
    item_result r;
    r.id = std::move(id);
    r.status = i.status.str().empty() ? "unknown" : i.status.str();
    r.output_text = i.output_text();
    if (i.usage)
        r.usage = json::value_from(*i.usage);
    r.interaction_id = i.id;
    return r;
}

item_result result_from_error(std::string id, const error_code& ec, const diagnostics& diag)
{
    item_result r;
    r.id = std::move(id);
    r.status = "error";
    r.http_status = diag.http_status;
    r.error_code = !diag.api_code.empty() ? diag.api_code : ec.category() == error_category() ? [&] {
        // errc names as codes: stable words rather than messages.
        static const char* const names[] = {"", "bad_request", "unauthenticated", "payment_required",
            "permission_denied", "not_found", "conflict", "rate_limited", "server_error", "api_error",
            "resolve_failed", "connect_failed", "tls_failed", "timeout", "connection_closed",
            "malformed_response", "response_too_large", "incomplete_stream", "invalid_argument",
            "insecure_transport", "pool_exhausted"};
        auto v = static_cast<std::size_t>(ec.value());
        return std::string(v < std::size(names) ? names[v] : "error");
    }() : std::string("error");
    r.error_message = !diag.api_message.empty() ? diag.api_message
                      : !diag.library_message.empty() ? diag.library_message
                                                      : ec.message();
    return r;
}

std::string result_line(const item_result& r)
{
    json::object o;
    o["id"] = r.id;
    o["status"] = r.status;
    if (r.status == "error")
    {
        json::object e;
        e["code"] = r.error_code;
        e["message"] = r.error_message;
        e["http_status"] = r.http_status;
        o["error"] = std::move(e);
    }
    else
    {
        o["output_text"] = r.output_text;
        o["usage"] = r.usage ? *r.usage : json::value(nullptr);
        o["interaction_id"] = r.interaction_id;
    }
    o["attempts"] = r.attempts;
    // Whole milliseconds: Boost.JSON writes every double in exponent form ("8.2E0").
    o["latency_ms"] = static_cast<std::int64_t>(std::llround(r.latency_ms));
    return json::serialize(o) + "\n";
}

token_counts tokens_of(const json::value& usage)
{
    token_counts t;
    if (!usage.is_object())
        return t;
    auto get = [&](const char* key) -> std::int64_t {
        auto* v = usage.get_object().if_contains(key);
        return v && v->is_int64() ? v->get_int64() : v && v->is_uint64() ? static_cast<std::int64_t>(v->get_uint64()) : 0;
    };
    t.input = get("total_input_tokens");
    t.output = get("total_output_tokens");
    t.total = get("total_tokens");
    return t;
}

// ---- retries ------------------------------------------------------------------------------

bool is_retryable(const error_code& ec, unsigned http_status) noexcept
{
    if (http_status != 0)
        return http_status == 408 || http_status == 429 || http_status == 500 || http_status == 502 ||
               http_status == 503 || http_status == 504;
    if (ec.category() != error_category())
        return false;
    switch (static_cast<errc>(ec.value()))
    {
    case errc::rate_limited:
    case errc::server_error:
    case errc::resolve_failed:
    case errc::connect_failed:
    case errc::timeout:
    case errc::connection_closed:
    case errc::malformed_response:
    case errc::incomplete_stream:
    case errc::pool_exhausted:
        return true;
    default:
        return false;
    }
}

milliseconds retry_delay(const retry_settings& s, unsigned attempt, std::optional<milliseconds> hint,
                         double jitter01) noexcept
{
    if (hint)
        return std::clamp(*hint, milliseconds(0), milliseconds(60000));
    double d = static_cast<double>(s.initial_backoff.count());
    for (unsigned i = 1; i < attempt && d < static_cast<double>(s.max_backoff.count()); ++i)
        d *= 2;
    d = std::min(d, static_cast<double>(s.max_backoff.count()));
    d *= 1.0 - 0.25 * std::clamp(jitter01, 0.0, 1.0);
    return milliseconds(static_cast<std::int64_t>(d));
}

// ---- rate limiting --------------------------------------------------------------------------

rate_limiter::rate_limiter(settings s) : settings_(s) {}

double rate_limiter::request_limit() const noexcept
{
    return settings_.requests > 0 ? std::max(1.0, std::floor(settings_.requests * factor_)) : 0;
}

double rate_limiter::token_limit() const noexcept
{
    return settings_.tokens > 0 ? std::max(1.0, std::floor(settings_.tokens * factor_)) : 0;
}

clock::time_point rate_limiter::expiry(const entry& e) const noexcept
{
    // Ages from its first response bytes, or from window/10 after admission at the latest.
    auto start = e.admitted + settings_.window / 10;
    if (e.responded && *e.responded < start)
        start = *e.responded;
    return start + settings_.window;
}

void rate_limiter::prune(clock::time_point now)
{
    std::erase_if(entries_, [&](const entry& e) { return e.finished && expiry(e) <= now; });
}

clock::time_point rate_limiter::earliest(clock::time_point now, std::int64_t tokens)
{
    prune(now);
    clock::time_point t = std::max(now, pause_until_);
    const double max_requests = request_limit();
    const double max_tokens = token_limit();
    if (max_requests <= 0 && max_tokens <= 0)
        return t;
    // Entries still counting at t, by expiry: drop the earliest until the new send fits.
    std::vector<std::pair<clock::time_point, std::int64_t>> live;
    for (const auto& e : entries_)
        if (auto x = expiry(e); x > t)
            live.emplace_back(x, e.tokens);
    std::sort(live.begin(), live.end());
    std::int64_t sum = 0;
    for (const auto& l : live)
        sum += l.second;
    std::size_t count = live.size();
    auto fits = [&] {
        bool req_ok = max_requests <= 0 || static_cast<double>(count) < max_requests;
        bool tok_ok = max_tokens <= 0 || count == 0 || static_cast<double>(sum + tokens) <= max_tokens;
        return req_ok && tok_ok;
    };
    std::size_t i = 0;
    while (!fits())
    {
        t = std::max(t, live[i].first);
        sum -= live[i].second;
        --count;
        ++i;
    }
    return t;
}

rate_limiter::ticket rate_limiter::admit(clock::time_point now, std::int64_t tokens)
{
    if (settings_.requests <= 0 && settings_.tokens <= 0)
        return 0;
    entries_.push_back(entry{next_, now, std::nullopt, tokens});
    return next_++;
}

void rate_limiter::responded(ticket t, clock::time_point now)
{
    for (auto& e : entries_)
        if (e.id == t && !e.responded)
            e.responded = now;
}

void rate_limiter::finished(ticket t, clock::time_point now, std::optional<std::int64_t> actual_tokens)
{
    for (auto& e : entries_)
        if (e.id == t)
        {
            if (!e.responded)
                e.responded = now;
            if (actual_tokens)
                e.tokens = *actual_tokens;
            e.finished = true;
        }
}

void rate_limiter::throttled(clock::time_point now, std::optional<milliseconds> hint)
{
    ++throttles_;
    ++consecutive_throttles_;
    milliseconds pause = hint ? *hint : settings_.window / 60;
    if (!hint)
        for (unsigned i = 1; i < consecutive_throttles_ && pause < settings_.window / 4; ++i)
            pause *= 2;
    pause = std::min<milliseconds>(pause, hint ? milliseconds(60000) : settings_.window / 4);
    pause_until_ = std::max(pause_until_, now + pause);
    factor_ = std::max(0.05, factor_ * 0.75);
    last_change_ = now;
}

void rate_limiter::succeeded(clock::time_point now)
{
    consecutive_throttles_ = 0;
    if (factor_ < 1.0 && now - last_change_ >= settings_.window)
    {
        factor_ = std::min(1.0, factor_ + 0.1);
        last_change_ = now;
    }
}

// ---- progress and summary -----------------------------------------------------------------

std::string format_duration(double seconds)
{
    if (!(seconds >= 0) || seconds > 1e7)
        return "--:--";
    auto s = static_cast<long long>(std::llround(seconds));
    char buf[32];
    if (s >= 3600)
        std::snprintf(buf, sizeof buf, "%lld:%02lld:%02lld", s / 3600, s / 60 % 60, s % 60);
    else
        std::snprintf(buf, sizeof buf, "%lld:%02lld", s / 60, s % 60);
    return buf;
}

namespace {

struct rates
{
    double per_s = 0;
    double eta_s = -1;
    double percent = 0;
};

rates rates_of(const progress& p)
{
    rates r;
    const auto this_run = p.done - std::min(p.done, p.done_before);
    if (p.elapsed_s > 0)
        r.per_s = static_cast<double>(this_run) / p.elapsed_s;
    const auto left = p.total - std::min(p.total, p.done);
    if (left == 0)
        r.eta_s = 0;
    else if (r.per_s > 0)
        r.eta_s = static_cast<double>(left) / r.per_s;
    r.percent = p.total ? 100.0 * static_cast<double>(p.done) / static_cast<double>(p.total) : 100.0;
    return r;
}

} // namespace

std::string format_progress_bar(const progress& p, unsigned width)
{
    const rates r = rates_of(p);
    char tail[160];
    std::snprintf(tail, sizeof tail, " %zu/%zu %3.0f%% %.1f/s ETA %s retries %zu errors %zu", p.done, p.total,
                  r.percent, r.per_s, format_duration(r.eta_s).c_str(), p.retries, p.errors);
    const std::size_t tail_len = std::string_view(tail).size();
    std::string bar;
    if (width > tail_len + 12)
    {
        const std::size_t inner = width - tail_len - 2;
        const auto filled = p.total ? std::min(inner, inner * p.done / p.total) : inner;
        bar = "[" + std::string(filled, '#') + std::string(inner - filled, '.') + "]";
    }
    return bar + tail;
}

std::string format_progress_line(const progress& p)
{
    const rates r = rates_of(p);
    char buf[256];
    std::snprintf(buf, sizeof buf, "gemini-batch: %zu/%zu done (%.0f%%), %.1f/s, ETA %s, %zu retries, %zu errors, %zu in flight",
                  p.done, p.total, r.percent, r.per_s, format_duration(r.eta_s).c_str(), p.retries, p.errors,
                  p.in_flight);
    return buf;
}

double percentile(std::vector<double> samples, double p)
{
    if (samples.empty())
        return 0;
    std::sort(samples.begin(), samples.end());
    auto rank = static_cast<std::size_t>(std::ceil(std::clamp(p, 0.0, 100.0) / 100.0 * static_cast<double>(samples.size())));
    return samples[rank == 0 ? 0 : rank - 1];
}

std::string format_summary(const summary& s)
{
    std::string out = "gemini-batch summary\n";
    std::size_t ran = 0;
    for (const auto& [status, n] : s.by_status)
        ran += n;
    char buf[256];
    std::snprintf(buf, sizeof buf, "  items:    %zu total, %zu run now, %zu done earlier\n", s.total, ran, s.skipped);
    out += buf;
    out += "  status:  ";
    if (s.by_status.empty())
        out += " (none run)";
    for (const auto& [status, n] : s.by_status)
        out += " " + status + "=" + std::to_string(n);
    out += "\n";
    std::snprintf(buf, sizeof buf, "  tokens:   %lld input, %lld output, %lld total\n",
                  static_cast<long long>(s.tokens.input), static_cast<long long>(s.tokens.output),
                  static_cast<long long>(s.tokens.total));
    out += buf;
    std::snprintf(buf, sizeof buf, "  retries:  %zu (rate-limit waits %zu)\n", s.retries, s.rate_limit_waits);
    out += buf;
    std::snprintf(buf, sizeof buf, "  wall:     %.2f s (%.1f items/s)\n", s.wall_s,
                  s.wall_s > 0 ? static_cast<double>(ran) / s.wall_s : 0.0);
    out += buf;
    std::snprintf(buf, sizeof buf, "  latency:  p50 %.1f ms, p99 %.1f ms\n", percentile(s.latencies_ms, 50),
                  percentile(s.latencies_ms, 99));
    out += buf;
    return out;
}

} // namespace gemini::batch
