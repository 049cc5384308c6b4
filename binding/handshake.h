// The websocket handshake request, on its way to the broker: signed with SigV4 (query
// parameters, AWS IoT's scheme) on the CRT's threads, or handed to the JS transform callback as an
// event and completed when JS answers, or sent as it is.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

struct aws_credentials_provider;
struct aws_http_message;
struct aws_mqtt5_client_options;
struct aws_mqtt_client_connection;

namespace mqtt5crt {

class EventQueue;

// How the websocket handshake is prepared, when the client uses websockets.
struct WebsocketSetup {
    bool enabled = false;
    bool js_transform = false;                // hand the request to the JS transform callback
    std::string sigv4_region, sigv4_service;  // sign it (query parameters) when region is set
    aws_credentials_provider *sigv4_provider = nullptr;
};

class HandshakeTransforms {
public:
    using Completion = void (*)(aws_http_message *request, int error_code, void *ctx);

    // Takes a reference on the credentials provider; JS transforms arrive as events in `events`.
    HandshakeTransforms(WebsocketSetup setup, EventQueue &events);
    ~HandshakeTransforms();
    HandshakeTransforms(const HandshakeTransforms &) = delete;
    HandshakeTransforms &operator=(const HandshakeTransforms &) = delete;

    // Makes the client call us for its handshake, when it uses websockets.
    void Install(aws_mqtt5_client_options &options);
    // The same for an MQTT 3.1.1 connection. False: the CRT refused (aws_last_error()).
    bool Install(aws_mqtt_client_connection *connection);
    // JS thread: the JS transform finished (error 0 = go on) and may have rewritten the request.
    // False: no such transform is waiting (already failed).
    bool Complete(double id, int error, const std::string *path, const std::vector<std::pair<std::string, std::string>> *headers);
    // Fails every transform still waiting for JS (stop, close, teardown): the CRT must not wait forever.
    void FailPending(int error);

private:
    static void OnTransform(aws_http_message *request, void *user_data, Completion complete, void *complete_ctx);

    struct Pending {
        aws_http_message *request;
        Completion complete;
        void *complete_ctx;
    };
    WebsocketSetup setup_;
    EventQueue &events_;
    std::mutex mu_;
    std::map<double, Pending> pending_;  // guarded by mu_
    double next_id_ = 0;                 // guarded by mu_
};

}  // namespace mqtt5crt
