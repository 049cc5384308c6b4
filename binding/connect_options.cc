#include "connect_options.h"

#include <string>
#include <utility>
#include <vector>

#include "addon.h"
#include "convert.h"

namespace mqtt5crt {

void TlsOptions::Init(Napi::Env env, Addon *addon, aws_tls_ctx *ctx, aws_byte_cursor server_name, uint32_t timeout_ms) {
    aws_tls_connection_options_init_from_ctx(&options, ctx);
    initialized = true;
    if (timeout_ms) options.timeout_ms = timeout_ms;
    if (server_name.len && aws_tls_connection_options_set_server_name(&options, Crt::Get().allocator, &server_name)) {
        addon->ThrowCrtError(env, aws_last_error());
    }
}

void UseProxy(Napi::Env env, Addon *addon, const ProxyConfig &config, aws_http_proxy_options &proxy, TlsOptions &tls,
              uint32_t timeout_ms) {
    proxy = config.options;
    if (proxy.host.len == 0) throw Napi::TypeError::New(env, "config.httpProxyOptions.host_name is required");
    if (config.tls_ctx) {
        // SNI and certificate name: TlsConnectionOptions.server_name when given, else the proxy host.
        tls.Init(env, addon, config.tls_ctx, config.tls_server_name.len ? config.tls_server_name : proxy.host, timeout_ms);
        proxy.tls_options = &tls.options;
    }
}

namespace {
std::string Str(aws_byte_cursor c) { return std::string(reinterpret_cast<const char *>(c.ptr), c.len); }
}  // namespace

WebsocketSetup Websocket(Napi::Env env, const WebsocketConfig *config) {
    WebsocketSetup websocket;
    if (!config) return websocket;
    websocket.enabled = true;
    websocket.js_transform = config->transform;
    if (const Sigv4Config *sigv4 = config->sigv4) {
        if (sigv4->region.len == 0) throw Napi::TypeError::New(env, "config.websocket.sigv4.region is required");
        websocket.sigv4_region = Str(sigv4->region);
        websocket.sigv4_service = sigv4->service.len ? Str(sigv4->service) : "iotdevicegateway";
        websocket.sigv4_provider = sigv4->credentials_provider;
    }
    return websocket;
}

void CompleteTransform(const Napi::CallbackInfo &info, HandshakeTransforms &handshake) {
    Napi::Env env = info.Env();
    if (info.Length() < 2 || !info[0].IsNumber() || !info[1].IsNumber()) {
        throw Napi::TypeError::New(env, "completeWebsocketTransform(id, errorCode, request?)");
    }
    double id = info[0].As<Napi::Number>().DoubleValue();
    int error = info[1].As<Napi::Number>().Int32Value();
    std::string path;
    std::vector<std::pair<std::string, std::string>> headers;
    bool has_request = info.Length() > 2 && info[2].IsObject();
    if (has_request) {
        Napi::Object r = info[2].As<Napi::Object>();
        path = OptStr(r, "path", "request");
        Napi::Value hv = SafeGet(r, "headers", "request.headers");
        if (!hv.IsArray()) throw Napi::TypeError::New(env, "request.headers must be an array of [name, value]");
        Napi::Array ha = hv.As<Napi::Array>();
        for (uint32_t i = 0; i < ha.Length(); ++i) {
            Napi::Value pair = ha.Get(i);
            if (!pair.IsArray() || pair.As<Napi::Array>().Length() != 2) {
                throw Napi::TypeError::New(env, "request.headers[" + std::to_string(i) + "] must be [name, value]");
            }
            Napi::Value n = pair.As<Napi::Array>().Get(0u), v = pair.As<Napi::Array>().Get(1u);
            if (!n.IsString() || !v.IsString()) {
                throw Napi::TypeError::New(env, "request.headers[" + std::to_string(i) + "] must hold two strings");
            }
            headers.emplace_back(n.As<Napi::String>().Utf8Value(), v.As<Napi::String>().Utf8Value());
        }
    }
    handshake.Complete(id, error, has_request ? &path : nullptr, has_request ? &headers : nullptr);
}

bool Present(const Napi::Value &v) { return !v.IsUndefined() && !v.IsNull(); }

Napi::Object RequireObject(const Napi::CallbackInfo &info, size_t i, const char *what) {
    if (info.Length() <= i || !info[i].IsObject()) {
        throw Napi::TypeError::New(info.Env(), std::string(what) + " must be an object");
    }
    return info[i].As<Napi::Object>();
}

std::string OptStr(const Napi::Object &o, const char *key, const std::string &path) {
    Napi::Value v = SafeGet(o, key, path + "." + key);
    if (!Present(v)) return {};
    if (!v.IsString()) throw Napi::TypeError::New(o.Env(), path + "." + key + " must be a string");
    return v.As<Napi::String>().Utf8Value();
}

uint32_t OptU32(const Napi::Object &o, const char *key, const std::string &path, uint32_t max, uint32_t def) {
    Napi::Value v = SafeGet(o, key, path + "." + key);
    if (!Present(v)) return def;
    if (!v.IsNumber()) throw Napi::TypeError::New(o.Env(), path + "." + key + " must be a number");
    double d = v.As<Napi::Number>().DoubleValue();
    if (!(d >= 0 && d <= max && d == static_cast<uint32_t>(d))) {
        throw Napi::RangeError::New(o.Env(), path + "." + key + " must be an integer from 0 to " + std::to_string(max));
    }
    return static_cast<uint32_t>(d);
}

}  // namespace mqtt5crt
