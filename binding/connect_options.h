// Connection options both client kinds (the MQTT 5 client, the MQTT 3.1.1 connection) turn into
// CRT options the same way, after reading them through their tables (options.h, packets.cc): TLS
// per host, an HTTP proxy, the websocket setup.
#pragma once

#include <aws/http/proxy.h>
#include <aws/io/tls_channel_handler.h>
#include <napi.h>

#include <cstdint>
#include <string>

#include "handshake.h"
#include "options.h"

namespace mqtt5crt {

class Addon;

// TLS connection options made from a NativeTlsContext for one host (SNI and name checks).
struct TlsOptions {
    aws_tls_connection_options options{};
    bool initialized = false;
    TlsOptions() = default;
    TlsOptions(const TlsOptions &) = delete;
    TlsOptions &operator=(const TlsOptions &) = delete;
    ~TlsOptions() {
        if (initialized) aws_tls_connection_options_clean_up(&options);
    }
    // The handshake is part of connecting: it is bounded by the socket's connect timeout
    // (socketOptions.connect_timeout_ms, 10 s by default) rather than the CRT's fixed 10 s, which
    // neither that timeout nor the CONNACK timeout covered. 0 keeps the CRT's.
    void Init(Napi::Env env, Addon *addon, aws_tls_ctx *ctx, aws_byte_cursor server_name, uint32_t timeout_ms);
};

// An HTTP proxy (aws-crt's http.HttpProxyOptions fields), optionally over TLS to the proxy.
void UseProxy(Napi::Env env, Addon *addon, const ProxyConfig &config, aws_http_proxy_options &proxy, TlsOptions &tls,
              uint32_t timeout_ms);

// Websockets: a JS handshake transform, SigV4 presigning, or neither (plain ws/wss); null: none.
WebsocketSetup Websocket(Napi::Env env, const WebsocketConfig *config);

// JS thread: completeWebsocketTransform(id, errorCode, request?: {path, headers: [name, value][]})
// of either MQTT client: the JS transform's answer, checked, handed to `handshake`.
void CompleteTransform(const Napi::CallbackInfo &info, HandshakeTransforms &handshake);

// The arguments of the clients' methods.
bool Present(const Napi::Value &v);
// info[i] as an object; TypeError "<what> must be an object" otherwise.
Napi::Object RequireObject(const Napi::CallbackInfo &info, size_t i, const char *what);
// obj[key] as a string ("" when absent); TypeError naming path.key otherwise.
std::string OptStr(const Napi::Object &o, const char *key, const std::string &path);
// obj[key] as an integer from 0 to max (`def` when absent); TypeError/RangeError naming path.key.
uint32_t OptU32(const Napi::Object &o, const char *key, const std::string &path, uint32_t max, uint32_t def);

}  // namespace mqtt5crt
