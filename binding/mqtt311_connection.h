// NativeMqtt311Connection: the MQTT 3.1.1 connection (aws_mqtt_client_connection), JS class of
// lib/mqtt.ts's MqttClientConnection. It reuses the MQTT 5 client's parts: events travel from CRT
// threads to JS through a Delivery (EventQueue + Waker: batched, no thread-safe function per
// operation) and the websocket handshake through HandshakeTransforms.
//
// Mqtt311Core is what must outlive the JS wrapper (core_base.h); the CRT's termination callback
// fires once the connection and every operation of it are gone.
#pragma once

#include <aws/mqtt/client.h>
#include <napi.h>

#include <atomic>
#include <string>

#include "client_wrapper.h"
#include "core_base.h"
#include "handshake.h"

namespace mqtt5crt {

class Addon;

class Mqtt311Core final : public CoreBase {
public:
    static constexpr int kClosedError = AWS_ERROR_MQTT_CONNECTION_DESTROYED;

    // Creates the CRT connection, through `bootstrap` (an io.EventLoopGroup's; null: the process-wide
    // one); on failure throws CrtError and the core is gone.
    static Mqtt311Core *Create(Napi::Env env, Addon *addon, Napi::Function sink, WebsocketSetup websocket,
                               aws_client_bootstrap *bootstrap);

    // JS thread: the connection, or null once Shutdown released it.
    aws_mqtt_client_connection *connection() const { return released_ ? nullptr : connection_; }
    bool Released() const { return released_; }
    HandshakeTransforms &handshake() { return handshake_; }
    // SetRunning (core_base.h): a running connection is connecting, connected or reconnecting;
    // a stopped one failed its first connect, or completed a disconnect.
    void Shutdown();  // JS thread: releases the CRT connection; idempotent

private:
    Mqtt311Core(WebsocketSetup websocket);
    ~Mqtt311Core() override = default;

    void HandlesClosed() override;
    static void OnEnvCleanup(void *arg);
    // CRT threads: copy, enqueue, never throw, never touch N-API.
    static void OnConnectionSuccess(aws_mqtt_client_connection *, aws_mqtt_connect_return_code rc, bool session_present,
                                    void *ud);
    static void OnConnectionFailure(aws_mqtt_client_connection *, int error_code, void *ud);
    static void OnInterrupted(aws_mqtt_client_connection *, int error_code, void *ud);
    static void OnResumed(aws_mqtt_client_connection *, aws_mqtt_connect_return_code rc, bool session_present, void *ud);
    // CRT thread: after Shutdown, a (re)established connection is disconnected instead of kept.
    void DisconnectIfShutDown();
    static void OnConnectionClosed(aws_mqtt_client_connection *, on_connection_closed_data *data, void *ud);
    static void OnAnyPublish(aws_mqtt_client_connection *, const aws_byte_cursor *topic, const aws_byte_cursor *payload, bool dup,
                             aws_mqtt_qos qos, bool retain, void *ud);
    static void OnTerminated(void *ud);

    HandshakeTransforms handshake_;
    aws_mqtt_client_connection *connection_ = nullptr;  // set once; CRT callbacks use it until termination
    bool released_ = false;                             // JS thread
    // Set by Shutdown (JS thread), read by CRT callbacks: a connection that connects after it was
    // released is disconnected at once (aws-c-mqtt keeps a connecting connection alive by itself).
    std::atomic<bool> shut_down_{false};
    bool env_hook_ = false;  // JS thread: OnEnvCleanup is registered
    napi_env env_ = nullptr;
};

class NativeMqtt311Connection : public ClientWrapper<NativeMqtt311Connection, Mqtt311Core> {
public:
    static const NativeKind kKind;
    static Napi::Function Define(Napi::Env env);
    explicit NativeMqtt311Connection(const Napi::CallbackInfo &info);
    // The CRT connection behind a JS value that must be a NativeMqtt311Connection (type-tag
    // checked: a TypeError naming `field` otherwise); null once it was closed. `group`, if given,
    // receives the event loop group the connection runs on.
    static aws_mqtt_client_connection *From(const Napi::Value &value, const char *field, aws_event_loop_group **group = nullptr);

private:
    Napi::Value Connect(const Napi::CallbackInfo &info);
    Napi::Value Reconnect(const Napi::CallbackInfo &info);
    Napi::Value Disconnect(const Napi::CallbackInfo &info);
    Napi::Value Publish(const Napi::CallbackInfo &info);
    Napi::Value Subscribe(const Napi::CallbackInfo &info);
    Napi::Value Unsubscribe(const Napi::CallbackInfo &info);
    Napi::Value GetOperationalStatistics(const Napi::CallbackInfo &info);
};

}  // namespace mqtt5crt
