// What the options that are not MQTT packets are read into, through their tables in packets.cc: the
// client config's TLS, proxy and websocket parts (beside the CRT's aws_mqtt5_client_options), a
// TLS context's options, a credentials provider's. The code that uses them (client.cc,
// tls_context.cc, credentials.cc) turns them into CRT objects.
#pragma once

#include <aws/auth/credentials.h>
#include <aws/http/proxy.h>
#include <aws/mqtt/v5/mqtt5_client.h>
#include <napi.h>

#include <cstdint>
#include <string>

#include "convert.h"

struct aws_pkcs11_lib;
struct aws_tls_ctx;

namespace mqtt5crt {

// config.httpProxyOptions: aws-crt's http.HttpProxyOptions (snake_case), TLS as a context and name.
struct ProxyConfig {
    aws_http_proxy_options options;   // host_name, port, connection_type, auth_method, auth_username/password
    aws_tls_ctx *tls_ctx;             // TLS to the proxy
    aws_byte_cursor tls_server_name;  // its SNI and certificate name (default: the proxy host)
};

// config.websocket.sigv4: presign the handshake for AWS IoT.
struct Sigv4Config {
    aws_byte_cursor region, service;
    aws_credentials_provider *credentials_provider;
};

// config.websocket: connect over websockets, with a JS handshake transform or SigV4 or neither.
struct WebsocketConfig {
    bool transform;
    const Sigv4Config *sigv4;
};

// config.slowConsumer: the inbound backlog policy (EventQueue::SetBacklogPolicy).
struct SlowConsumerConfig {
    const uint32_t *threshold_messages;
    const uint8_t *drop_qos0;
};

// The native client's config (table kClientOptions in packets.cc).
struct ClientConfig {
    aws_mqtt5_client_options options;
    aws_tls_ctx *tls_ctx;  // tlsCtx: TLS to the broker (also wss://)
    const ProxyConfig *proxy;
    const WebsocketConfig *websocket;
    const SlowConsumerConfig *slow_consumer;
};

// tlsContextOptions.pkcs11_options: the private key in a PKCS#11 token.
struct Pkcs11Config {
    aws_pkcs11_lib *lib;
    const aws_byte_cursor *user_pin, *token_label, *private_key_object_label, *cert_file_path, *cert_file_contents;
    const uint64_t *slot_id;
};

// aws-crt's io.TlsContextOptions (snake_case). Every field optional: present (even empty) or not.
struct TlsContextConfig {
    const aws_byte_cursor *certificate_filepath, *private_key_filepath, *certificate, *private_key, *pkcs12_filepath,
        *pkcs12_password, *ca_filepath, *ca_dirpath, *certificate_authority, *windows_cert_store_path;
    size_t alpn_count;
    const aws_byte_cursor *alpn_list;
    const int *min_tls_version, *tls_cipher_preference;
    const uint8_t *verify_peer;
    const Pkcs11Config *pkcs11;
};

// credentials 'delegate': the JS function that returns credentials (a promise of them).
struct DelegateConfig {
    napi_value get;
};

}  // namespace mqtt5crt
