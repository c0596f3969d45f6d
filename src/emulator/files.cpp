// Files API endpoints: POST /upload/{v}/files (start), POST <session> (upload, finalize, query),
// GET|DELETE /{v}/files/{id}; and the descriptions of media inputs for the fake model.
#include "emulator/files.hpp"

#include "emulator/media.hpp"
#include "emulator/text.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <charconv>
#include <ctime>
#include <random>

namespace gemini::emulator::detail {

namespace {

constexpr std::size_t head_bytes = 64 * 1024;  // kept per file for image understanding

bool is_version(const std::string& s) { return s == "v1beta" || s == "v1"; }

/// The commands of X-Goog-Upload-Command, lower case ("upload", "finalize", "query", "start").
std::vector<std::string> commands(const http_request& req) {
  std::vector<std::string> out;
  const auto* h = req.header("x-goog-upload-command");
  if (!h) return out;
  std::string_view rest = *h;
  while (!rest.empty()) {
    const auto comma = rest.find(',');
    std::string c = ascii_lower(trim_blanks(rest.substr(0, comma)));
    if (!c.empty()) out.push_back(std::move(c));
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
  }
  return out;
}

bool has(const std::vector<std::string>& v, std::string_view s) { return std::find(v.begin(), v.end(), s) != v.end(); }

std::optional<std::uint64_t> to_u64(std::string_view s) {
  std::uint64_t n = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  if (s.empty() || ec != std::errc{} || p != s.data() + s.size()) return std::nullopt;
  return n;
}

std::string query_string(const json::object& query, std::string_view key) {
  if (const auto* v = query.if_contains(key); v && v->is_string()) return std::string(v->get_string());
  return {};
}

http_reply status_reply(unsigned status, std::string upload_status, std::optional<std::uint64_t> received = {}) {
  http_reply r;
  r.status = status;
  r.headers.emplace_back("x-goog-upload-status", std::move(upload_status));
  if (received) r.headers.emplace_back("x-goog-upload-size-received", std::to_string(*received));
  return r;
}

}  // namespace

struct file_store::session {
  std::string version;
  std::string origin;
  std::string display_name;
  std::string mime_type;
  std::optional<std::uint64_t> declared;
  std::uint64_t received = 0;
  std::string head;
  std::shared_ptr<EVP_MD_CTX> sha{EVP_MD_CTX_new(), EVP_MD_CTX_free};
  std::string file_id;  ///< set once finalized

  void append(std::string_view bytes) {
    EVP_DigestUpdate(sha.get(), bytes.data(), bytes.size());
    if (head.size() < head_bytes) head.append(bytes.substr(0, head_bytes - head.size()));
    received += bytes.size();
  }
};

struct file_store::stored {
  std::string id;
  std::string uri;
  std::string display_name;
  std::string mime_type;
  std::uint64_t size = 0;
  std::string head;
  std::string sha256_b64;
  std::int64_t created_ms = 0;
  std::int64_t active_vms = 0;
};

file_store::file_store(std::chrono::milliseconds processing) : processing_(processing) {
  std::random_device rd;
  nonce_ = hex32(rd()).substr(0, 6);
}

std::string file_store::classify(const http_request& req, const std::vector<std::string>& segs,
                                 const json::object& query) {
  if (segs.size() == 3 && segs[0] == "upload" && is_version(segs[1]) && segs[2] == "files" && req.method == "POST") {
    if (!query.contains("upload_id")) return "files";
    return has(commands(req), "upload") ? "upload" : "files";
  }
  if (segs.size() == 3 && is_version(segs[0]) && segs[1] == "files" && !segs[2].empty() &&
      (req.method == "GET" || req.method == "DELETE"))
    return "files";
  return "unknown";
}

std::string file_store::state(const stored& f, std::int64_t vms) const {
  return vms >= f.active_vms ? "ACTIVE" : "PROCESSING";
}

json::object file_store::resource(const stored& f, std::int64_t vms) const {
  json::object o;
  o["name"] = "files/" + f.id;
  if (!f.display_name.empty()) o["displayName"] = f.display_name;
  o["mimeType"] = f.mime_type;
  o["sizeBytes"] = std::to_string(f.size);
  o["createTime"] = rfc3339(f.created_ms);
  o["updateTime"] = rfc3339(f.created_ms);
  o["expirationTime"] = rfc3339(f.created_ms + 48 * 3600 * 1000);
  o["sha256Hash"] = f.sha256_b64;
  o["uri"] = f.uri;
  o["state"] = state(f, vms);
  o["source"] = "UPLOADED";
  return o;
}

std::size_t file_store::size() const {
  std::lock_guard lock(mu_);
  return files_.size();
}

http_reply file_store::handle(const http_request& req, const std::vector<std::string>& segs, const json::object& query,
                              std::int64_t now_ms, std::int64_t vms, bool tls) {
  std::lock_guard lock(mu_);
  // GET / DELETE /{v}/files/{id}
  if (segs[0] != "upload") {
    auto it = files_.find(segs[2]);
    if (it == files_.end()) return rpc_error(404, "File files/" + segs[2] + " was not found.");
    http_reply r;
    if (req.method == "DELETE") {
      files_.erase(it);
      r.body = "{}";
    } else {
      r.body = json::serialize(resource(*it->second, vms));
    }
    return r;
  }

  const auto cmds = commands(req);
  const std::string upload_id = query_string(query, "upload_id");
  if (upload_id.empty()) {
    // Start a session.
    const auto* protocol = req.header("x-goog-upload-protocol");
    if (!protocol || *protocol != "resumable" || !has(cmds, "start"))
      return rpc_error(400, "Only the resumable protocol is implemented: send X-Goog-Upload-Protocol: resumable "
                            "and X-Goog-Upload-Command: start.");
    auto s = std::make_shared<session>();
    s->version = segs[1];
    const auto* host = req.header("host");
    s->origin = std::string(tls ? "https://" : "http://") + (host ? *host : std::string("localhost"));
    json::object meta;
    if (req.body.find_first_not_of(" \t\r\n") != std::string::npos) {
      boost::system::error_code ec;
      auto body = json::parse(req.body, ec);
      if (ec || !body.is_object()) return rpc_error(400, "Invalid JSON payload received.");
      if (const auto* f = body.get_object().if_contains("file")) {
        if (!f->is_object()) return rpc_error(400, "Invalid JSON payload received: 'file' must be an object.");
        meta = f->get_object();
      }
    }
    if (const auto* d = meta.if_contains("displayName"); d && d->is_string()) s->display_name = d->get_string();
    if (const auto* m = meta.if_contains("mimeType"); m && m->is_string()) s->mime_type = m->get_string();
    if (const auto* h = req.header("x-goog-upload-header-content-type"); h && !h->empty()) s->mime_type = *h;
    if (s->mime_type.empty()) return rpc_error(400, "The upload needs a MIME type (X-Goog-Upload-Header-Content-Type).");
    if (const auto* h = req.header("x-goog-upload-header-content-length")) {
      s->declared = to_u64(*h);
      if (!s->declared) return rpc_error(400, "X-Goog-Upload-Header-Content-Length must be a non-negative integer.");
    }
    EVP_DigestInit_ex(s->sha.get(), EVP_sha256(), nullptr);
    const std::string id = nonce_ + std::to_string(next_++);
    sessions_.emplace(id, s);
    session_order_.push_back(id);
    if (session_order_.size() > max_sessions) {
      sessions_.erase(session_order_.front());
      session_order_.pop_front();
    }
    http_reply r = status_reply(200, "active");
    r.headers.emplace_back("x-goog-upload-url",
                           s->origin + "/upload/" + s->version + "/files?upload_id=" + id + "&upload_protocol=resumable");
    r.headers.emplace_back("x-goog-upload-chunk-granularity", "262144");
    return r;
  }

  auto sit = sessions_.find(upload_id);
  if (sit == sessions_.end()) return rpc_error(404, "Unknown upload session.");
  session& s = *sit->second;
  auto final_reply = [&] {
    http_reply r = status_reply(200, "final");
    r.body = json::serialize(json::object{{"file", resource(*files_.at(s.file_id), vms)}});
    return r;
  };
  if (has(cmds, "query")) {
    if (s.file_id.empty()) return status_reply(200, "active", s.received);
    if (files_.count(s.file_id)) return final_reply();
    return rpc_error(404, "The file of this upload session was deleted.");
  }
  if (!has(cmds, "upload") && !has(cmds, "finalize"))
    return rpc_error(400, "X-Goog-Upload-Command must be upload, finalize, 'upload, finalize' or query.");
  if (!s.file_id.empty()) {
    http_reply r = rpc_error(400, "The upload session is already finalized.");
    r.headers.emplace_back("x-goog-upload-status", "final");
    return r;
  }
  if (has(cmds, "upload")) {
    const auto* h = req.header("x-goog-upload-offset");
    const auto offset = h ? to_u64(*h) : std::nullopt;
    if (!offset || *offset != s.received) {
      http_reply r = rpc_error(400, "Invalid X-Goog-Upload-Offset: the server has received " +
                                        std::to_string(s.received) + " bytes; query the session and resume there.");
      r.headers.emplace_back("x-goog-upload-status", "active");
      r.headers.emplace_back("x-goog-upload-size-received", std::to_string(s.received));
      return r;
    }
    if (s.declared && s.received + req.body.size() > *s.declared) {
      http_reply r = rpc_error(400, "The upload exceeds the declared X-Goog-Upload-Header-Content-Length.");
      r.headers.emplace_back("x-goog-upload-status", "active");
      return r;
    }
    s.append(req.body);
  }
  if (!has(cmds, "finalize")) return status_reply(200, "active", s.received);

  if (s.declared && s.received != *s.declared) {
    http_reply r = rpc_error(400, "Finalized after " + std::to_string(s.received) + " bytes, but " +
                                      std::to_string(*s.declared) + " were declared.");
    r.headers.emplace_back("x-goog-upload-status", "active");
    return r;
  }
  auto f = std::make_shared<stored>();
  f->id = nonce_ + std::to_string(next_++);
  f->uri = s.origin + "/" + s.version + "/files/" + f->id;
  f->display_name = s.display_name;
  f->mime_type = s.mime_type;
  f->size = s.received;
  f->head = std::move(s.head);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(s.sha.get(), digest, &len);
  s.sha.reset();  // a finalized session keeps only its file's id
  f->sha256_b64 = base64(std::string_view(reinterpret_cast<const char*>(digest), len));
  f->created_ms = now_ms;
  f->active_vms = vms + processing_.count();
  s.file_id = f->id;
  files_.emplace(f->id, f);
  // The final answer reports PROCESSING, as the service does for media that needs processing.
  http_reply r = status_reply(200, "final");
  json::object res = resource(*f, vms);
  res["state"] = "PROCESSING";
  r.body = json::serialize(json::object{{"file", std::move(res)}});
  return r;
}

void file_store::keep_partial(const http_request& req, const json::object& query, std::size_t bytes) {
  std::lock_guard lock(mu_);
  auto it = sessions_.find(query_string(query, "upload_id"));
  if (it == sessions_.end() || !it->second->file_id.empty()) return;
  session& s = *it->second;
  const auto* h = req.header("x-goog-upload-offset");
  const auto offset = h ? to_u64(*h) : std::nullopt;
  if (!offset || *offset != s.received) return;
  std::string_view kept = std::string_view(req.body).substr(0, bytes);
  if (s.declared && s.received + kept.size() > *s.declared) return;
  s.append(kept);
}

std::vector<std::string> file_store::describe(const json::array& history, std::int64_t vms) const {
  std::size_t tail = history.size();
  auto type_of = [](const json::value& v) -> std::string_view {
    if (const auto* t = v.is_object() ? v.get_object().if_contains("type") : nullptr; t && t->is_string())
      return t->get_string();
    return {};
  };
  while (tail > 0) {
    const auto t = type_of(history[tail - 1]);
    if (t != "user_input" && t != "function_result") break;
    --tail;
  }
  std::vector<std::string> notes;
  std::map<std::string_view, unsigned> counters;  // by kind, views into `history`
  std::lock_guard lock(mu_);
  for (std::size_t i = tail; i < history.size(); ++i) {
    if (type_of(history[i]) != "user_input") continue;
    const auto* content = history[i].get_object().if_contains("content");
    if (!content || !content->is_array()) continue;
    for (const auto& bv : content->get_array()) {
      const std::string_view kind = type_of(bv);
      if (kind != "image" && kind != "audio" && kind != "video" && kind != "document") continue;
      const auto& b = bv.get_object();
      std::string label(kind);
      label[0] = static_cast<char>(label[0] - 'a' + 'A');
      label += " " + std::to_string(++counters[kind]) + ": ";
      std::string mime;
      if (const auto* m = b.if_contains("mime_type"); m && m->is_string()) mime = m->get_string();
      std::string head;
      std::uint64_t size = 0;
      if (const auto* d = b.if_contains("data"); d && d->is_string()) {
        auto bytes = base64_decode(d->get_string());
        if (!bytes) throw api_error{400, "invalid_request", "Content block 'data' is not valid base64."};
        size = bytes->size();
        head = std::move(*bytes);
      } else if (const auto* u = b.if_contains("uri"); u && u->is_string()) {
        const std::string uri(u->get_string());
        const auto pos = uri.rfind("/files/");
        const bool ours = pos != std::string::npos && (uri.find("/v1beta/files/") != std::string::npos ||
                                                      uri.find("/v1/files/") != std::string::npos);
        if (!ours) {
          notes.push_back(label + (mime.empty() ? std::string("unknown type") : mime) + ", by reference.");
          continue;
        }
        const std::string id = uri.substr(pos + 7);
        auto it = files_.find(id);
        if (it == files_.end())
          throw api_error{403, "permission_denied",
                          "You do not have permission to access the File " + id + " or it may not exist."};
        if (state(*it->second, vms) != "ACTIVE")
          throw api_error{400, "failed_precondition",
                          "The File " + id + " is not in an ACTIVE state and usage is not allowed."};
        size = it->second->size;
        head = it->second->head;
        if (mime.empty()) mime = it->second->mime_type;
      } else {
        throw api_error{400, "invalid_request", "A " + std::string(kind) + " block requires 'data' or 'uri'."};
      }
      std::string note = label + (mime.empty() ? std::string("unknown type") : mime) + ", ";
      const auto dims = kind == "image" ? read_dimensions(head) : std::nullopt;
      if (dims)
        note += std::to_string(dims->width) + "x" + std::to_string(dims->height) + ".";
      else
        note += std::to_string(size) + " bytes.";
      notes.push_back(std::move(note));
    }
  }
  return notes;
}

}  // namespace gemini::emulator::detail
