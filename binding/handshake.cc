#include "handshake.h"

#include <aws/auth/credentials.h>
#include <aws/auth/signable.h>
#include <aws/auth/signing.h>
#include <aws/auth/signing_config.h>
#include <aws/auth/signing_result.h>
#include <aws/http/request_response.h>
#include <aws/mqtt/client.h>
#include <aws/mqtt/v5/mqtt5_client.h>

#include <memory>

#include "addon.h"
#include "event_queue.h"

namespace mqtt5crt {
namespace {

std::string Str(aws_byte_cursor c) { return std::string(reinterpret_cast<const char *>(c.ptr), c.len); }

// A copy of a websocket handshake request, for the JS transform callback.
struct RequestSnapshot final : OwnedPacket {
    explicit RequestSnapshot(const aws_http_message *request) {
        aws_byte_cursor c{};
        if (aws_http_message_get_request_method(request, &c) == AWS_OP_SUCCESS) method = Str(c);
        if (aws_http_message_get_request_path(request, &c) == AWS_OP_SUCCESS) path = Str(c);
        for (size_t i = 0, n = aws_http_message_get_header_count(request); i < n; ++i) {
            aws_http_header h{};
            if (aws_http_message_get_header(request, &h, i) == AWS_OP_SUCCESS) headers.emplace_back(Str(h.name), Str(h.value));
        }
    }
    Napi::Object ToJs(Napi::Env env, KeyCache &) const override {
        Napi::Object o = Napi::Object::New(env);
        o.Set("method", method);
        o.Set("path", path);
        Napi::Array a = Napi::Array::New(env, headers.size());
        for (size_t i = 0; i < headers.size(); ++i) {
            Napi::Array pair = Napi::Array::New(env, 2);
            pair.Set(0u, headers[i].first);
            pair.Set(1u, headers[i].second);
            a.Set(static_cast<uint32_t>(i), pair);
        }
        o.Set("headers", a);
        return o;
    }
    std::string method, path;
    std::vector<std::pair<std::string, std::string>> headers;
};

// SigV4 query-parameter presigning of the handshake, on CRT threads.
struct SignContext {
    aws_http_message *request;
    HandshakeTransforms::Completion complete;
    void *complete_ctx;
    aws_signable *signable;
};

void OnSigned(aws_signing_result *result, int error_code, void *user_data) {
    auto *sc = static_cast<SignContext *>(user_data);
    if (error_code == 0 &&
        aws_apply_signing_result_to_http_request(sc->request, Crt::Get().allocator, result) != AWS_OP_SUCCESS) {
        error_code = aws_last_error();
    }
    aws_signable_destroy(sc->signable);
    sc->complete(sc->request, error_code, sc->complete_ctx);
    delete sc;
}

void Sign(const WebsocketSetup &ws, aws_http_message *request, HandshakeTransforms::Completion complete, void *complete_ctx) {
    aws_allocator *alloc = Crt::Get().allocator;
    aws_signing_config_aws config{};
    config.config_type = AWS_SIGNING_CONFIG_AWS;
    config.algorithm = AWS_SIGNING_ALGORITHM_V4;
    config.signature_type = AWS_ST_HTTP_REQUEST_QUERY_PARAMS;
    config.region = aws_byte_cursor_from_array(ws.sigv4_region.data(), ws.sigv4_region.size());
    config.service = aws_byte_cursor_from_array(ws.sigv4_service.data(), ws.sigv4_service.size());
    aws_date_time_init_now(&config.date);
    config.flags.use_double_uri_encode = true;
    config.flags.should_normalize_uri_path = true;
    // AWS IoT expects the session token appended after signing, not signed.
    config.flags.omit_session_token = true;
    config.signed_body_header = AWS_SBHT_NONE;
    config.credentials_provider = ws.sigv4_provider;
    auto *sc = new SignContext{request, complete, complete_ctx, aws_signable_new_http_request(alloc, request)};
    if (!sc->signable || aws_sign_request_aws(alloc, sc->signable, reinterpret_cast<aws_signing_config_base *>(&config), OnSigned,
                                              sc) != AWS_OP_SUCCESS) {
        int error = aws_last_error();
        if (sc->signable) aws_signable_destroy(sc->signable);
        delete sc;
        complete(request, error, complete_ctx);
    }
}

// Applies what the JS transform returned to the request: its path, and its headers replacing all.
int Rewrite(aws_http_message *request, const std::string *path, const std::vector<std::pair<std::string, std::string>> *headers) {
    if (path &&
        aws_http_message_set_request_path(request, aws_byte_cursor_from_array(path->data(), path->size())) != AWS_OP_SUCCESS) {
        return aws_last_error();
    }
    if (!headers) return AWS_ERROR_SUCCESS;
    while (aws_http_message_get_header_count(request) > 0) aws_http_message_erase_header(request, 0);
    for (const auto &h : *headers) {
        aws_http_header hdr{};
        hdr.name = aws_byte_cursor_from_array(h.first.data(), h.first.size());
        hdr.value = aws_byte_cursor_from_array(h.second.data(), h.second.size());
        if (aws_http_message_add_header(request, hdr) != AWS_OP_SUCCESS) return aws_last_error();
    }
    return AWS_ERROR_SUCCESS;
}

}  // namespace

HandshakeTransforms::HandshakeTransforms(WebsocketSetup setup, EventQueue &events) : setup_(std::move(setup)), events_(events) {
    if (setup_.sigv4_provider) aws_credentials_provider_acquire(setup_.sigv4_provider);
}

HandshakeTransforms::~HandshakeTransforms() {
    if (setup_.sigv4_provider) aws_credentials_provider_release(setup_.sigv4_provider);
}

void HandshakeTransforms::Install(aws_mqtt5_client_options &options) {
    if (!setup_.enabled) return;
    options.websocket_handshake_transform = OnTransform;
    options.websocket_handshake_transform_user_data = this;
}

bool HandshakeTransforms::Install(aws_mqtt_client_connection *connection) {
    if (!setup_.enabled) return true;
    return aws_mqtt_client_connection_use_websockets(connection, OnTransform, this, nullptr, nullptr) == AWS_OP_SUCCESS;
}

void HandshakeTransforms::OnTransform(aws_http_message *request, void *user_data, Completion complete, void *complete_ctx) {
    auto *self = static_cast<HandshakeTransforms *>(user_data);
    if (!self->setup_.sigv4_region.empty()) return Sign(self->setup_, request, complete, complete_ctx);
    if (!self->setup_.js_transform) return complete(request, AWS_ERROR_SUCCESS, complete_ctx);
    Event ev;
    ev.type = EventType::WebsocketTransform;
    ev.packet = std::make_unique<RequestSnapshot>(request);
    {
        // Checked and registered under one lock: FailPending, which runs after the queue is shut
        // for good, either sees this transform or it sees the queue shut here.
        std::lock_guard<std::mutex> lock(self->mu_);
        if (!self->events_.IsOpen()) return complete(request, AWS_ERROR_MQTT5_CLIENT_TERMINATED, complete_ctx);
        ev.id = ++self->next_id_;
        self->pending_[ev.id] = Pending{request, complete, complete_ctx};
    }
    self->events_.Push(std::move(ev));
}

bool HandshakeTransforms::Complete(double id, int error, const std::string *path,
                                   const std::vector<std::pair<std::string, std::string>> *headers) {
    Pending t{};
    {
        std::lock_guard<std::mutex> lock(mu_);
        auto it = pending_.find(id);
        if (it == pending_.end()) return false;
        t = it->second;
        pending_.erase(it);
    }
    if (!error) error = Rewrite(t.request, path, headers);
    t.complete(t.request, error, t.complete_ctx);
    return true;
}

void HandshakeTransforms::FailPending(int error) {
    std::map<double, Pending> pending;
    {
        std::lock_guard<std::mutex> lock(mu_);
        pending.swap(pending_);
    }
    for (auto &entry : pending) entry.second.complete(entry.second.request, error, entry.second.complete_ctx);
}

}  // namespace mqtt5crt
