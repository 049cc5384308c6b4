// NativeRequestResponseClient: aws-c-mqtt's request-response client (the engine of the AWS IoT
// Device SDK's Shadow, Jobs and Identity clients) over this addon's MQTT 5 client or MQTT 3.1.1
// connection; JS class of lib/mqtt_request_response.ts's RequestResponseClient.
//
// Completions, subscription status changes and stream messages travel to JS through a Delivery
// (EventQueue + Waker), batched like the MQTT clients' events. RrCore is what must outlive the JS
// wrapper; three references, dropped by (1) the wrapper (GC or close), (2) the Delivery's close
// callback, (3) the CRT's terminated callback, which comes after every request completed. Each
// streaming operation's context holds one more until the CRT says the operation terminated.
#pragma once

#include <napi.h>

#include <unordered_map>

#include "client_loop.h"
#include "delivery.h"
#include "ref_counted.h"

struct aws_mqtt_request_response_client;
struct aws_mqtt_rr_client_operation;

namespace mqtt5crt {

class Addon;

class RrCore final : public RefCounted {
public:
    RrCore() : RefCounted(3), delivery_(*this, loop_) {}
    Delivery &delivery() { return delivery_; }
    EventQueue &events() { return delivery_.events(); }
    aws_mqtt_request_response_client *client = nullptr;  // JS thread; null once released
    double NextId() { return ++next_id_; }
    static void OnClosed(void *arg);
    static void OnTerminated(void *arg);

private:
    ~RrCore() override = default;
    ClientLoop loop_;
    Delivery delivery_;
    double next_id_ = 0;
};

class NativeRequestResponseClient : public Napi::ObjectWrap<NativeRequestResponseClient> {
public:
    static Napi::Function Define(Napi::Env env);
    explicit NativeRequestResponseClient(const Napi::CallbackInfo &info);
    ~NativeRequestResponseClient() override;

private:
    Napi::Value SubmitRequest(const Napi::CallbackInfo &info);
    Napi::Value CreateStream(const Napi::CallbackInfo &info);
    Napi::Value OpenStream(const Napi::CallbackInfo &info);
    Napi::Value CloseStream(const Napi::CallbackInfo &info);
    Napi::Value SetRunning(const Napi::CallbackInfo &info);
    Napi::Value Close(const Napi::CallbackInfo &info);
    void Release();
    RrCore &Core(const Napi::CallbackInfo &info);

    Addon *addon_ = nullptr;
    RrCore *core_ = nullptr;
    std::unordered_map<double, aws_mqtt_rr_client_operation *> streams_;  // open or not yet opened
};

}  // namespace mqtt5crt
