// NativeMqtt311Connection: the MQTT 3.1.1 connection (aws_mqtt_client_connection), JS class of
// lib/mqtt.ts's MqttClientConnection. It reuses the MQTT 5 client's parts: events travel from CRT
// threads to JS through a Delivery (EventQueue + Waker: batched, no thread-safe function per
// operation) and the websocket handshake through HandshakeTransforms.
//
// Mqtt311Core is what must outlive the JS wrapper. Three references, dropped by (1) the wrapper
// (GC or close), (2) the Delivery's close callback (after the CRT connection terminated and its
// last events were delivered, or at environment teardown), (3) the CRT's termination callback,
// which fires once the connection and every operation of it are gone. A task on the CRT's loop
// holds one more while scheduled.
#pragma once

#include <aws/mqtt/client.h>
#include <napi.h>

#include "client_loop.h"
#include "delivery.h"
#include "handshake.h"
#include "ref_counted.h"

namespace mqtt5crt {

class Addon;

class Mqtt311Core final : public RefCounted {
public:
    // Creates the CRT connection; on failure throws CrtError and the core is gone.
    static Mqtt311Core *Create(Napi::Env env, Addon *addon, Napi::Function sink, WebsocketSetup websocket);

    // JS thread: the connection, or null once Shutdown released it.
    aws_mqtt_client_connection *connection() const { return released_ ? nullptr : connection_; }
    double NextId() { return ++next_id_; }
    EventQueue &events() { return delivery_.events(); }
    HandshakeTransforms &handshake() { return handshake_; }
    // JS thread: a running connection (connecting, connected or reconnecting) keeps the process alive.
    // Stopped (a failed first connect, a completed disconnect), it lets the process exit at once:
    // no Stopped event follows, as for the MQTT 5 client.
    void SetRunning(bool running) {
        delivery_.SetRunning(running);
        if (!running) delivery_.KeepAlive(false);
    }
    void Shutdown();  // JS thread: releases the CRT connection; idempotent

private:
    Mqtt311Core(WebsocketSetup websocket);
    ~Mqtt311Core() override = default;

    static void OnClosed(void *arg);  // JS thread: the Delivery's handles closed
    static void OnEnvCleanup(void *arg);
    // CRT threads: copy, enqueue, never throw, never touch N-API.
    static void OnConnectionSuccess(aws_mqtt_client_connection *, aws_mqtt_connect_return_code rc, bool session_present,
                                    void *ud);
    static void OnConnectionFailure(aws_mqtt_client_connection *, int error_code, void *ud);
    static void OnInterrupted(aws_mqtt_client_connection *, int error_code, void *ud);
    static void OnResumed(aws_mqtt_client_connection *, aws_mqtt_connect_return_code rc, bool session_present, void *ud);
    static void OnConnectionClosed(aws_mqtt_client_connection *, on_connection_closed_data *data, void *ud);
    static void OnAnyPublish(aws_mqtt_client_connection *, const aws_byte_cursor *topic, const aws_byte_cursor *payload, bool dup,
                             aws_mqtt_qos qos, bool retain, void *ud);
    static void OnTerminated(void *ud);

    ClientLoop loop_;
    Delivery delivery_;
    HandshakeTransforms handshake_;
    aws_mqtt_client_connection *connection_ = nullptr;  // set once; CRT callbacks use it until termination
    bool released_ = false;                             // JS thread
    bool env_hook_ = false;                             // JS thread: OnEnvCleanup is registered
    napi_env env_ = nullptr;
    double next_id_ = 0;
};

class NativeMqtt311Connection : public Napi::ObjectWrap<NativeMqtt311Connection> {
public:
    static Napi::Function Define(Napi::Env env);
    explicit NativeMqtt311Connection(const Napi::CallbackInfo &info);
    ~NativeMqtt311Connection() override;
    // The CRT connection behind a JS value that must be a NativeMqtt311Connection (type-tag
    // checked: a TypeError naming `field` otherwise); null once it was closed.
    static aws_mqtt_client_connection *From(const Napi::Value &value, const char *field);

private:
    Napi::Value Connect(const Napi::CallbackInfo &info);
    Napi::Value Reconnect(const Napi::CallbackInfo &info);
    Napi::Value Disconnect(const Napi::CallbackInfo &info);
    Napi::Value Publish(const Napi::CallbackInfo &info);
    Napi::Value Subscribe(const Napi::CallbackInfo &info);
    Napi::Value Unsubscribe(const Napi::CallbackInfo &info);
    Napi::Value GetOperationalStatistics(const Napi::CallbackInfo &info);
    Napi::Value CompleteWebsocketTransform(const Napi::CallbackInfo &info);
    Napi::Value SetRunning(const Napi::CallbackInfo &info);
    Napi::Value Close(const Napi::CallbackInfo &info);

    Mqtt311Core &Core(const Napi::CallbackInfo &info);

    Addon *addon_ = nullptr;
    Mqtt311Core *core_ = nullptr;
};

}  // namespace mqtt5crt
