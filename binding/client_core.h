// The part of a client that must outlive its JS wrapper: the aws_mqtt5_client, the event queue
// and the thread-safe function that carries queued events to JS in batches.
//
// Lifetime: three references, dropped by (1) the wrapper (GC or close), (2) the TSFN finalizer,
// (3) the CRT's termination callback, which fires after every operation has completed. The core
// is deleted when the last one goes, so a CRT callback can never see freed memory.
#pragma once

#include <napi.h>

#include <atomic>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "events.h"

struct aws_mqtt5_client;
struct aws_mqtt5_client_options;
struct aws_mqtt5_packet_publish_view;
struct aws_http_message;
struct aws_credentials_provider;

namespace mqtt5crt {

class Addon;

// How the websocket handshake is prepared, when the client uses websockets.
struct WebsocketSetup {
    bool enabled = false;
    bool js_transform = false;            // hand the request to the JS transform callback
    std::string sigv4_region, sigv4_service;  // sign it (query parameters) when region is set
    aws_credentials_provider *sigv4_provider = nullptr;
};

class ClientCore {
public:
    static void CallJs(Napi::Env env, Napi::Function unused, ClientCore *core, void *data);
    using Tsfn = Napi::TypedThreadSafeFunction<ClientCore, void, CallJs>;

    // Creates the CRT client; on failure throws CrtError and the core is gone.
    static ClientCore *Create(Napi::Env env, Addon *addon, Napi::Function sink, aws_mqtt5_client_options &options,
                              WebsocketSetup websocket);

    // JS thread: the JS transform finished (error 0 = go on) and may have rewritten the request.
    bool CompleteTransform(double id, int error, const std::string *path,
                           const std::vector<std::pair<std::string, std::string>> *headers);
    // Fails every handshake transform still waiting for JS (stop, close, teardown).
    void FailPendingTransforms(int error);

    // JS thread.
    aws_mqtt5_client *client() const { return client_; }
    aws_mqtt5_client *crt_client() const { return crt_client_; }
    double NextId() { return ++next_id_; }
    void SetRunning(Napi::Env env, bool running);
    void Shutdown(Napi::Env env);  // releases the CRT client; idempotent
    void Unref();                  // drop one of the three references
    void Detach() { addon_ = nullptr; }  // the environment's addon state is going away

    // Any thread.
    void Push(Event &&event);
    // CRT thread: a received PUBLISH (ack_id: its manual PUBACK control id at QoS 1, else 0).
    void PushMessage(const aws_mqtt5_packet_publish_view *publish, double ack_id);

private:
    ClientCore() = default;
    ~ClientCore();
    // Events queue in segments. A segment's plain messages keep their topics and small payloads
    // in the segment's arena, which becomes one ArrayBuffer in JS (each payload a Buffer view of
    // it); a segment is delivered whole, in one wake-up, and is closed at a bounded size so that a
    // payload kept by the application keeps little else alive.
    struct Segment {
        std::vector<Event> events;
        Bytes arena;
        const uint8_t *handed = nullptr;  // JS thread: the arena, once an ArrayBuffer owns it
        size_t size = 0, capacity = 0;
        size_t last_topic_off = 0;
        uint32_t last_topic_len = 0;
        bool has_topic = false;
        bool Reserve(size_t more);
    };
    Segment &OpenSegment();  // mu_ held
    void Deliver(Napi::Env env);
    double *Records(Napi::Env env, size_t count, napi_value *array);  // JS thread
    void SetStrong(bool strong);  // TSFN ref + strong sink, or neither
    static void OnTerminated(void *user_data);
    static void OnWebsocketTransform(aws_http_message *request, void *user_data, void (*complete)(aws_http_message *, int, void *),
                                     void *complete_ctx);

    struct PendingTransform {
        aws_http_message *request;
        void (*complete)(aws_http_message *, int, void *);
        void *complete_ctx;
    };
    WebsocketSetup websocket_;
    std::map<double, PendingTransform> transforms_;  // guarded by mu_
    double next_transform_id_ = 0;                   // guarded by mu_

    Addon *addon_ = nullptr;
    aws_mqtt5_client *client_ = nullptr;  // JS thread; null once released
    aws_mqtt5_client *crt_client_ = nullptr;  // set once; valid in CRT callbacks until termination
    napi_env env_ = nullptr;
    napi_ref sink_ = nullptr;             // weak while stopped, strong while started
    Tsfn tsfn_;
    bool running_ = false;  // JS thread: start() was called and stop()/close() was not
    bool refd_ = false;     // JS thread: TSFN and sink are strong
    bool tsfn_finalized_ = false;  // JS thread: the TSFN handle must not be used any more
    double next_id_ = 0;

    std::mutex mu_;
    std::deque<std::unique_ptr<Segment>> queue_;  // guarded by mu_
    napi_ref records_ref_ = nullptr;  // JS thread: the Float64Array of numeric records
    double *records_ = nullptr;
    size_t records_capacity_ = 0;
    bool signaled_ = false;     // guarded by mu_: a TSFN call is pending
    bool tsfn_open_ = true;     // guarded by mu_: false once the TSFN is finalized or released
    std::atomic<int> refs_{3};
};

}  // namespace mqtt5crt
