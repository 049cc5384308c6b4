#include "packets.h"

#include "credentials.h"
#include "event_loop_group.h"
#include "options.h"
#include "table_fields.h"
#include "tls_context.h"

#include <aws/io/socket.h>
#include <aws/mqtt/mqtt.h>
#include <aws/mqtt/v5/mqtt5_client.h>
#include <aws/mqtt/v5/mqtt5_types.h>

#include <cstddef>

namespace mqtt5crt::tables {

#define PROPS(T) List("userProperties", Kind::UserProps, kNone, AT(T, user_properties), AT(T, user_property_count))

using PublishV = aws_mqtt5_packet_publish_view;
const Table kPublish{"publish",
                     sizeof(PublishV),
                     {
                         Val("payload", Kind::Bytes, kNone, AT(PublishV, payload)),
                         Enum("qos", R, AT(PublishV, qos), 0, 2),
                         Val("retain", Kind::Bool, kNone, AT(PublishV, retain)),
                         Val("topicName", Kind::Utf8, R, AT(PublishV, topic)),
                         Enum("payloadFormat", O, AT(PublishV, payload_format), 0, 1),
                         Num("messageExpiryIntervalSeconds", Kind::U32, O, AT(PublishV, message_expiry_interval_seconds)),
                         Num("topicAlias", Kind::U16, O, AT(PublishV, topic_alias)),
                         Val("responseTopic", Kind::Utf8, O, AT(PublishV, response_topic)),
                         Val("correlationData", Kind::Bytes, O, AT(PublishV, correlation_data)),
                         List("subscriptionIdentifiers", Kind::U32List, kOutOnly, AT(PublishV, subscription_identifiers),
                              AT(PublishV, subscription_identifier_count)),
                         Val("contentType", Kind::Utf8, O, AT(PublishV, content_type)),
                         PROPS(PublishV),
                     },
                     AWS_MQTT5_PT_PUBLISH};

using PubackV = aws_mqtt5_packet_puback_view;
const Table kPuback{"puback",
                    sizeof(PubackV),
                    {
                        Enum("reasonCode", kNone, AT(PubackV, reason_code), 0, 255),
                        Val("reasonString", Kind::Utf8, O, AT(PubackV, reason_string)),
                        PROPS(PubackV),
                    },
                    AWS_MQTT5_PT_PUBACK};

using SubscriptionV = aws_mqtt5_subscription_view;
const Table kSubscription{"subscription",
                          sizeof(SubscriptionV),
                          {
                              Val("topicFilter", Kind::Utf8, R, AT(SubscriptionV, topic_filter)),
                              Enum("qos", R, AT(SubscriptionV, qos), 0, 2),
                              Val("noLocal", Kind::Bool, kNone, AT(SubscriptionV, no_local)),
                              Val("retainAsPublished", Kind::Bool, kNone, AT(SubscriptionV, retain_as_published)),
                              Enum("retainHandlingType", kNone, AT(SubscriptionV, retain_handling_type), 0, 2),
                          }};

using SubscribeV = aws_mqtt5_packet_subscribe_view;
const Table kSubscribe{"subscribe",
                       sizeof(SubscribeV),
                       {
                           List("subscriptions", Kind::ObjectList, R, AT(SubscribeV, subscriptions),
                                AT(SubscribeV, subscription_count), &kSubscription),
                           Num("subscriptionIdentifier", Kind::U32, O, AT(SubscribeV, subscription_identifier)),
                           PROPS(SubscribeV),
                       },
                       AWS_MQTT5_PT_SUBSCRIBE};

using SubackV = aws_mqtt5_packet_suback_view;
const Table kSuback{"suback",
                    sizeof(SubackV),
                    {
                        List("reasonCodes", Kind::EnumList, kNone, AT(SubackV, reason_codes), AT(SubackV, reason_code_count)),
                        Val("reasonString", Kind::Utf8, O, AT(SubackV, reason_string)),
                        PROPS(SubackV),
                    },
                    AWS_MQTT5_PT_SUBACK};

using UnsubscribeV = aws_mqtt5_packet_unsubscribe_view;
const Table kUnsubscribe{
    "unsubscribe",
    sizeof(UnsubscribeV),
    {
        List("topicFilters", Kind::Utf8List, R, AT(UnsubscribeV, topic_filters), AT(UnsubscribeV, topic_filter_count)),
        PROPS(UnsubscribeV),
    },
    AWS_MQTT5_PT_UNSUBSCRIBE};

using UnsubackV = aws_mqtt5_packet_unsuback_view;
const Table kUnsuback{
    "unsuback",
    sizeof(UnsubackV),
    {
        List("reasonCodes", Kind::EnumList, kNone, AT(UnsubackV, reason_codes), AT(UnsubackV, reason_code_count)),
        Val("reasonString", Kind::Utf8, O, AT(UnsubackV, reason_string)),
        PROPS(UnsubackV),
    },
    AWS_MQTT5_PT_UNSUBACK};

using ConnectV = aws_mqtt5_packet_connect_view;
const Table kConnect{"connectProperties",
                     sizeof(ConnectV),
                     {
                         Num("keepAliveIntervalSeconds", Kind::U16, kNone, AT(ConnectV, keep_alive_interval_seconds)),
                         Val("clientId", Kind::Utf8, kNone, AT(ConnectV, client_id)),
                         Val("username", Kind::Utf8, O, AT(ConnectV, username)),
                         Val("password", Kind::Bytes, O, AT(ConnectV, password)),
                         Num("sessionExpiryIntervalSeconds", Kind::U32, O, AT(ConnectV, session_expiry_interval_seconds)),
                         Val("requestResponseInformation", Kind::Bool, O, AT(ConnectV, request_response_information)),
                         Val("requestProblemInformation", Kind::Bool, O, AT(ConnectV, request_problem_information)),
                         Num("receiveMaximum", Kind::U16, O, AT(ConnectV, receive_maximum)),
                         Num("maximumPacketSizeBytes", Kind::U32, O, AT(ConnectV, maximum_packet_size_bytes)),
                         Num("willDelayIntervalSeconds", Kind::U32, O, AT(ConnectV, will_delay_interval_seconds)),
                         Sub("will", kNone, AT(ConnectV, will), &kPublish),
                         PROPS(ConnectV),
                     },
                     AWS_MQTT5_PT_CONNECT};

using ConnackV = aws_mqtt5_packet_connack_view;
const Table kConnack{"connack",
                     sizeof(ConnackV),
                     {
                         Val("sessionPresent", Kind::Bool, kNone, AT(ConnackV, session_present)),
                         Enum("reasonCode", kNone, AT(ConnackV, reason_code), 0, 255),
                         Num("sessionExpiryInterval", Kind::U32, O, AT(ConnackV, session_expiry_interval)),
                         Num("receiveMaximum", Kind::U16, O, AT(ConnackV, receive_maximum)),
                         Enum("maximumQos", O, AT(ConnackV, maximum_qos), 0, 2),
                         Val("retainAvailable", Kind::Bool, O, AT(ConnackV, retain_available)),
                         Num("maximumPacketSize", Kind::U32, O, AT(ConnackV, maximum_packet_size)),
                         Val("assignedClientIdentifier", Kind::Utf8, O, AT(ConnackV, assigned_client_identifier)),
                         Num("topicAliasMaximum", Kind::U16, O, AT(ConnackV, topic_alias_maximum)),
                         Val("reasonString", Kind::Utf8, O, AT(ConnackV, reason_string)),
                         Val("wildcardSubscriptionsAvailable", Kind::Bool, O, AT(ConnackV, wildcard_subscriptions_available)),
                         Val("subscriptionIdentifiersAvailable", Kind::Bool, O, AT(ConnackV, subscription_identifiers_available)),
                         Val("sharedSubscriptionsAvailable", Kind::Bool, O, AT(ConnackV, shared_subscriptions_available)),
                         Num("serverKeepAlive", Kind::U16, O, AT(ConnackV, server_keep_alive)),
                         Val("responseInformation", Kind::Utf8, O, AT(ConnackV, response_information)),
                         Val("serverReference", Kind::Utf8, O, AT(ConnackV, server_reference)),
                         PROPS(ConnackV),
                     },
                     AWS_MQTT5_PT_CONNACK};

using DisconnectV = aws_mqtt5_packet_disconnect_view;
const Table kDisconnect{"disconnect",
                        sizeof(DisconnectV),
                        {
                            Enum("reasonCode", kNone, AT(DisconnectV, reason_code), 0, 255),
                            Num("sessionExpiryIntervalSeconds", Kind::U32, O, AT(DisconnectV, session_expiry_interval_seconds)),
                            Val("reasonString", Kind::Utf8, O, AT(DisconnectV, reason_string)),
                            Val("serverReference", Kind::Utf8, O, AT(DisconnectV, server_reference)),
                            PROPS(DisconnectV),
                        },
                        AWS_MQTT5_PT_DISCONNECT};

using SettingsV = aws_mqtt5_negotiated_settings;
const Table kSettings{
    "settings",
    sizeof(SettingsV),
    {
        Enum("maximumQos", kNone, AT(SettingsV, maximum_qos), 0, 2),
        Num("sessionExpiryInterval", Kind::U32, kNone, AT(SettingsV, session_expiry_interval)),
        Num("receiveMaximumFromServer", Kind::U16, kNone, AT(SettingsV, receive_maximum_from_server)),
        Num("maximumPacketSizeToServer", Kind::U32, kNone, AT(SettingsV, maximum_packet_size_to_server)),
        Num("topicAliasMaximumToServer", Kind::U16, kNone, AT(SettingsV, topic_alias_maximum_to_server)),
        Num("topicAliasMaximumToClient", Kind::U16, kNone, AT(SettingsV, topic_alias_maximum_to_client)),
        Num("serverKeepAlive", Kind::U16, kNone, AT(SettingsV, server_keep_alive)),
        Val("retainAvailable", Kind::Bool, kNone, AT(SettingsV, retain_available)),
        Val("wildcardSubscriptionsAvailable", Kind::Bool, kNone, AT(SettingsV, wildcard_subscriptions_available)),
        Val("subscriptionIdentifiersAvailable", Kind::Bool, kNone, AT(SettingsV, subscription_identifiers_available)),
        Val("sharedSubscriptionsAvailable", Kind::Bool, kNone, AT(SettingsV, shared_subscriptions_available)),
        Val("rejoinedSession", Kind::Bool, kNone, AT(SettingsV, rejoined_session)),
        Val("clientId", Kind::ByteBuf, kNone, AT(SettingsV, client_id_storage)),
    }};

using AliasV = aws_mqtt5_client_topic_alias_options;
const Table kTopicAliasing{"topicAliasingOptions",
                           sizeof(AliasV),
                           {
                               Enum("outboundBehavior", kNone, AT(AliasV, outbound_topic_alias_behavior), 0, 3),
                               Num("outboundCacheMaxSize", Kind::U16, kNone, AT(AliasV, outbound_alias_cache_max_size)),
                               Enum("inboundBehavior", kNone, AT(AliasV, inbound_topic_alias_behavior), 0, 2),
                               Num("inboundCacheMaxSize", Kind::U16, kNone, AT(AliasV, inbound_alias_cache_size)),
                           }};

// aws-crt's io.SocketOptions keeps aws-c-io's snake_case names; so do we.
using SocketV = aws_socket_options;
const Table kSocketOptions{"socketOptions",
                           sizeof(SocketV),
                           {
                               Enum("type", kNone, AT(SocketV, type), 0, 1),
                               Enum("domain", kNone, AT(SocketV, domain), 0, 2),
                               Num("connect_timeout_ms", Kind::U32, kNone, AT(SocketV, connect_timeout_ms)),
                               Val("keepalive", Kind::Bool, kNone, AT(SocketV, keepalive)),
                               Num("keep_alive_interval_sec", Kind::U16, kNone, AT(SocketV, keep_alive_interval_sec)),
                               Num("keep_alive_timeout_sec", Kind::U16, kNone, AT(SocketV, keep_alive_timeout_sec)),
                               Num("keep_alive_max_failed_probes", Kind::U16, kNone, AT(SocketV, keep_alive_max_failed_probes)),
                               Enum("tcp_nodelay", kNone, AT(SocketV, tcp_nodelay), 0, 2),
                           }};

// aws_mqtt_metadata_entry has the layout of aws_mqtt5_user_property (two cursors), so the
// user-property kind reads [{name, value}] into it.
static_assert(sizeof(aws_mqtt_metadata_entry) == sizeof(aws_mqtt5_user_property), "metadata entry layout");
using MetricsV = aws_mqtt_iot_metrics;
const Table kMetrics{"metrics",
                     sizeof(MetricsV),
                     {
                         Val("libraryName", Kind::Utf8, kNone, AT(MetricsV, library_name)),
                         List("metadata", Kind::UserProps, kNone, AT(MetricsV, metadata_entries), AT(MetricsV, metadata_count)),
                     }};

// ---- the options that are not MQTT packets (options.h) ----------------------------------------
namespace {

void *UnwrapCredentials(const Napi::Value &value, const std::string &path) {
    return NativeCredentialsProvider::From(value, path.c_str());
}
void *UnwrapPkcs11Lib(const Napi::Value &value, const std::string &path) { return NativePkcs11Lib::From(value, path.c_str()); }
void *UnwrapFunction(const Napi::Value &value, const std::string &path) {
    if (!value.IsFunction()) throw Napi::TypeError::New(value.Env(), path + " must be a function");
    return static_cast<napi_value>(value);
}
void *UnwrapTlsContext(const Napi::Value &value, const std::string &path) { return NativeTlsContext::From(value, path.c_str()); }
// io.ClientBootstrap(io.EventLoopGroup): the group's bootstrap (the client takes its own reference).
void *UnwrapEventLoopGroup(const Napi::Value &value, const std::string &path) {
    return NativeEventLoopGroup::From(value, path.c_str());
}

}  // namespace

using ProxyV = ProxyConfig;
const Table kProxyOptions{"httpProxyOptions",
                          sizeof(ProxyV),
                          {
                              Val("host_name", Kind::Utf8, R, AT(ProxyV, options.host)),
                              Make("port", Kind::U32, kNone, AT(ProxyV, options.port), 0, 0, 65535, nullptr),
                              Enum("connection_type", kNone, AT(ProxyV, options.connection_type), 0, 2),
                              Enum("auth_method", kNone, AT(ProxyV, options.auth_type), 0, 1),
                              Val("auth_username", Kind::Utf8, kNone, AT(ProxyV, options.auth_username)),
                              Val("auth_password", Kind::Utf8, kNone, AT(ProxyV, options.auth_password)),
                              Handle("tls_ctx", kNone, AT(ProxyV, tls_ctx), UnwrapTlsContext),
                              Val("tls_server_name", Kind::Utf8, kNone, AT(ProxyV, tls_server_name)),
                          }};

const Table kSigv4{"sigv4",
                   sizeof(Sigv4Config),
                   {
                       Val("region", Kind::Utf8, R, AT(Sigv4Config, region)),
                       Val("service", Kind::Utf8, kNone, AT(Sigv4Config, service)),
                       Handle("credentialsProvider", R, AT(Sigv4Config, credentials_provider), UnwrapCredentials),
                   }};

const Table kWebsocket{"websocket",
                       sizeof(WebsocketConfig),
                       {
                           Val("transform", Kind::Bool, kNone, AT(WebsocketConfig, transform)),
                           Sub("sigv4", kNone, AT(WebsocketConfig, sigv4), &kSigv4),
                       }};

using Pkcs11V = Pkcs11Config;
const Table kPkcs11Options{"pkcs11_options",
                           sizeof(Pkcs11V),
                           {
                               Handle("pkcs11_lib", R, AT(Pkcs11V, lib), UnwrapPkcs11Lib),
                               Val("user_pin", Kind::Utf8, O, AT(Pkcs11V, user_pin)),
                               Num("slot_id", Kind::U64, O, AT(Pkcs11V, slot_id)),
                               Val("token_label", Kind::Utf8, O, AT(Pkcs11V, token_label)),
                               Val("private_key_object_label", Kind::Utf8, O, AT(Pkcs11V, private_key_object_label)),
                               Val("cert_file_path", Kind::Utf8, O, AT(Pkcs11V, cert_file_path)),
                               Val("cert_file_contents", Kind::Utf8, O, AT(Pkcs11V, cert_file_contents)),
                           }};

using TlsV = TlsContextConfig;
const Table kTlsContextOptions{"tlsContextOptions",
                               sizeof(TlsV),
                               {
                                   Val("pkcs12_password", Kind::Utf8, O, AT(TlsV, pkcs12_password)),
                                   Sub("pkcs11_options", kNone, AT(TlsV, pkcs11), &kPkcs11Options),
                                   Val("certificate_filepath", Kind::Utf8, O, AT(TlsV, certificate_filepath)),
                                   Val("private_key_filepath", Kind::Utf8, O, AT(TlsV, private_key_filepath)),
                                   Val("certificate", Kind::Utf8, O, AT(TlsV, certificate)),
                                   Val("private_key", Kind::Utf8, O, AT(TlsV, private_key)),
                                   Val("pkcs12_filepath", Kind::Utf8, O, AT(TlsV, pkcs12_filepath)),
                                   Val("windows_cert_store_path", Kind::Utf8, O, AT(TlsV, windows_cert_store_path)),
                                   Val("ca_filepath", Kind::Utf8, O, AT(TlsV, ca_filepath)),
                                   Val("ca_dirpath", Kind::Utf8, O, AT(TlsV, ca_dirpath)),
                                   Val("certificate_authority", Kind::Utf8, O, AT(TlsV, certificate_authority)),
                                   List("alpn_list", Kind::Utf8List, kNone, AT(TlsV, alpn_list), AT(TlsV, alpn_count)),
                                   Enum("min_tls_version", O, AT(TlsV, min_tls_version), 0, 128),
                                   Enum("tls_cipher_preference", O, AT(TlsV, tls_cipher_preference), 0, 64),
                                   Val("verify_peer", Kind::Bool, O, AT(TlsV, verify_peer)),
                               }};

using StaticV = aws_credentials_provider_static_options;
const Table kStaticCredentials{"staticCredentials",
                               sizeof(StaticV),
                               {
                                   Val("accessKeyId", Kind::Utf8, R, AT(StaticV, access_key_id)),
                                   Val("secretAccessKey", Kind::Utf8, R, AT(StaticV, secret_access_key)),
                                   Val("sessionToken", Kind::Utf8, kNone, AT(StaticV, session_token)),
                               }};

using ProfileV = aws_credentials_provider_profile_options;
const Table kProfileCredentials{"profileCredentials",
                                sizeof(ProfileV),
                                {
                                    Val("profileName", Kind::Utf8, kNone, AT(ProfileV, profile_name_override)),
                                    Val("configFile", Kind::Utf8, kNone, AT(ProfileV, config_file_name_override)),
                                    Val("credentialsFile", Kind::Utf8, kNone, AT(ProfileV, credentials_file_name_override)),
                                }};

using ChainV = aws_credentials_provider_chain_default_options;
const Table kDefaultChainCredentials{"defaultChainCredentials",
                                     sizeof(ChainV),
                                     {
                                         Val("profileName", Kind::Utf8, kNone, AT(ChainV, profile_name_override)),
                                     }};

using CachedV = aws_credentials_provider_cached_options;
const Table kCachedCredentials{"cachedCredentials",
                               sizeof(CachedV),
                               {
                                   Handle("source", R, AT(CachedV, source), UnwrapCredentials),
                                   Num("refreshMs", Kind::U64, kNone, AT(CachedV, refresh_time_in_milliseconds)),
                               }};

const Table kDelegateCredentials{"delegateCredentials",
                                 sizeof(DelegateConfig),
                                 {
                                     Handle("get", R, AT(DelegateConfig, get), UnwrapFunction),
                                 }};

const Table kSlowConsumer{"slowConsumer",
                          sizeof(SlowConsumerConfig),
                          {
                              Num("thresholdMessages", Kind::U32, O, AT(SlowConsumerConfig, threshold_messages)),
                              Val("dropQos0", Kind::Bool, O, AT(SlowConsumerConfig, drop_qos0)),
                          }};

// The client's config: the CRT's options and what client.cc makes more of them from (options.h).
using ConfigV = ClientConfig;
#define OPT(m) AT(ConfigV, options.m)
const Table kClientOptions{
    "config",
    sizeof(ConfigV),
    {
        Val("hostName", Kind::Utf8, R, OPT(host_name)),
        Make("port", Kind::U32, R, OPT(port), 0, 1, 65535, nullptr),
        Sub("connectProperties", kNone, OPT(connect_options), &kConnect),
        Enum("sessionBehavior", kNone, OPT(session_behavior), 0, 3),
        Enum("extendedValidationAndFlowControlOptions", kNone, OPT(extended_validation_and_flow_control_options), 0, 1),
        Enum("offlineQueueBehavior", kNone, OPT(offline_queue_behavior), 0, 3),
        Enum("retryJitterMode", kNone, OPT(retry_jitter_mode), 0, 3),
        Num("minReconnectDelayMs", Kind::U64, kNone, OPT(min_reconnect_delay_ms)),
        Num("maxReconnectDelayMs", Kind::U64, kNone, OPT(max_reconnect_delay_ms)),
        Num("minConnectedTimeToResetReconnectDelayMs", Kind::U64, kNone, OPT(min_connected_time_to_reset_reconnect_delay_ms)),
        Num("pingTimeoutMs", Kind::U32, kNone, OPT(ping_timeout_ms)),
        Num("connackTimeoutMs", Kind::U32, kNone, OPT(connack_timeout_ms)),
        Num("ackTimeoutSeconds", Kind::U32, kNone, OPT(ack_timeout_seconds)),
        Sub("topicAliasingOptions", kNone, OPT(topic_aliasing_options), &kTopicAliasing),
        Sub("socketOptions", kNone, OPT(socket_options), &kSocketOptions),
        Sub("metrics", kNone, OPT(metrics), &kMetrics),
        Handle("tlsCtx", kNone, AT(ConfigV, tls_ctx), UnwrapTlsContext),
        Handle("eventLoopGroup", kNone, OPT(bootstrap), UnwrapEventLoopGroup),
        Sub("httpProxyOptions", kNone, AT(ConfigV, proxy), &kProxyOptions),
        Sub("websocket", kNone, AT(ConfigV, websocket), &kWebsocket),
        Sub("slowConsumer", kNone, AT(ConfigV, slow_consumer), &kSlowConsumer),
    }};

const std::vector<const Table *> &All() {
    static const std::vector<const Table *> all{
        &kPublish,
        &kPuback,
        &kSubscription,
        &kSubscribe,
        &kSuback,
        &kUnsubscribe,
        &kUnsuback,
        &kConnect,
        &kConnack,
        &kDisconnect,
        &kSettings,
        &kTopicAliasing,
        &kSocketOptions,
        &kMetrics,
        &kClientOptions,
        &kProxyOptions,
        &kSigv4,
        &kWebsocket,
        &kTlsContextOptions,
        &kPkcs11Options,
        &kStaticCredentials,
        &kProfileCredentials,
        &kDefaultChainCredentials,
        &kCachedCredentials,
        &kDelegateCredentials,
        &kSlowConsumer,
    };
    return all;
}

}  // namespace mqtt5crt::tables
