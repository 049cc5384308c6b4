#include "connect_options.h"

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

bool Present(const Napi::Value &v) { return !v.IsUndefined() && !v.IsNull(); }

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
