// NativeRequestResponseClient: aws-c-mqtt's request-response client (the engine of the AWS IoT
// Device SDK's Shadow, Jobs and Identity clients) over this addon's MQTT 5 client or MQTT 3.1.1
// connection; JS class of lib/mqtt_request_response.ts's RequestResponseClient.
//
// Completions, subscription status changes and stream messages travel to JS through a Delivery
// (EventQueue + Waker), batched like the MQTT clients' events. RrCore is what must outlive the JS
// wrapper (core_base.h); the CRT's terminated callback comes after every request completed. Each
// streaming operation's context holds one more reference until the CRT says the operation terminated.
#pragma once

#include <aws/common/error.h>
#include <napi.h>

#include <unordered_map>

#include "client_wrapper.h"
#include "core_base.h"

struct aws_mqtt5_client;
struct aws_mqtt_client_connection;
struct aws_mqtt_request_response_client;
struct aws_mqtt_request_response_client_options;
struct aws_mqtt_rr_client_operation;

namespace mqtt5crt {

class Addon;

class RrCore final : public CoreBase {
public:
    static constexpr int kClosedError = AWS_ERROR_INVALID_STATE;

    // Creates the CRT client over the protocol client (exactly one of client5, client311); on
    // failure throws CrtError and the core is gone.
    // `group`: the protocol client's event loop group, whose loop the CRT client runs on.
    static RrCore *Create(Napi::Env env, Addon *addon, Napi::Function sink, aws_mqtt5_client *client5,
                          aws_mqtt_client_connection *client311, aws_event_loop_group *group,
                          aws_mqtt_request_response_client_options &options);

    aws_mqtt_request_response_client *client() const { return client_; }  // JS thread; null once released
    bool Released() const { return client_ == nullptr; }
    // JS thread: releases the streaming operations and the CRT client; idempotent.
    void Shutdown();

    std::unordered_map<double, aws_mqtt_rr_client_operation *> streams;  // JS thread: open or not yet opened

private:
    ~RrCore() override = default;
    static void OnTerminated(void *core);
    aws_mqtt_request_response_client *client_ = nullptr;
};

class NativeRequestResponseClient : public ClientWrapper<NativeRequestResponseClient, RrCore> {
public:
    static const NativeKind kKind;
    static Napi::Function Define(Napi::Env env);
    explicit NativeRequestResponseClient(const Napi::CallbackInfo &info);

private:
    Napi::Value SubmitRequest(const Napi::CallbackInfo &info);
    Napi::Value CreateStream(const Napi::CallbackInfo &info);
    Napi::Value OpenStream(const Napi::CallbackInfo &info);
    Napi::Value CloseStream(const Napi::CallbackInfo &info);
};

}  // namespace mqtt5crt
