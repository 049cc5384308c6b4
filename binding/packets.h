// The field tables: one per struct the binding converts (see convert.h): the aws-c-mqtt views, and
// the options of options.h.
#pragma once

#include "convert.h"

namespace mqtt5crt::tables {

extern const Table kPublish;        // aws_mqtt5_packet_publish_view (both ways)
extern const Table kPuback;         // aws_mqtt5_packet_puback_view
extern const Table kSubscribe;      // aws_mqtt5_packet_subscribe_view
extern const Table kSuback;         // aws_mqtt5_packet_suback_view
extern const Table kUnsubscribe;    // aws_mqtt5_packet_unsubscribe_view
extern const Table kUnsuback;       // aws_mqtt5_packet_unsuback_view
extern const Table kConnect;        // aws_mqtt5_packet_connect_view
extern const Table kConnack;        // aws_mqtt5_packet_connack_view
extern const Table kDisconnect;     // aws_mqtt5_packet_disconnect_view (both ways)
extern const Table kSettings;       // aws_mqtt5_negotiated_settings
extern const Table kMetrics;        // aws_mqtt_iot_metrics (the SDK metrics in the username)
extern const Table kClientOptions;  // ClientConfig (options.h): the client's whole config
// The options that are not MQTT packets (their structs are in options.h).
extern const Table kProxyOptions;             // ProxyConfig
extern const Table kSigv4;                    // Sigv4Config
extern const Table kWebsocket;                // WebsocketConfig
extern const Table kTlsContextOptions;        // TlsContextConfig
extern const Table kPkcs11Options;            // Pkcs11Config
extern const Table kStaticCredentials;        // aws_credentials_provider_static_options
extern const Table kProfileCredentials;       // aws_credentials_provider_profile_options
extern const Table kDefaultChainCredentials;  // aws_credentials_provider_chain_default_options
extern const Table kCachedCredentials;        // aws_credentials_provider_cached_options
extern const Table kSlowConsumer;             // SlowConsumerConfig
extern const Table kDelegateCredentials;      // DelegateConfig

// Every table of the addon (these and options.h's), by name: the addon exports their keys
// (binding.tableKeys) so that lib/ reads exactly the fields the tables convert.
const std::vector<const Table *> &All();

}  // namespace mqtt5crt::tables
