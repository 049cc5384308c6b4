// The core of an MQTT 5 client (core_base.h: the part that must outlive its JS wrapper, and its
// lifetime): it owns the aws_mqtt5_client and composes the parts that carry its traffic (each in
// its own file):
//   Delivery            events from CRT threads to the JS sink in batches:   delivery.h
//                       EventQueue (event_queue.h) and Waker (waker.h)
//   PublishBatcher      this turn's publishes, submitted by one loop task    publish_batcher.h
//   AckBatcher          held-back PUBACKs, handed to the CRT in chunks       ack_batcher.h
//   HandshakeTransforms the websocket handshake: SigV4 or the JS transform   handshake.h
#pragma once

#include <aws/mqtt/mqtt.h>
#include <napi.h>

#include <string>
#include <utility>
#include <vector>

#include "ack_batcher.h"
#include "core_base.h"
#include "handshake.h"
#include "publish_batcher.h"

struct aws_channel_handler;
struct aws_channel_slot;
struct aws_mqtt5_client;
struct aws_mqtt5_client_lifecycle_event;
struct aws_mqtt5_client_options;
struct aws_mqtt5_packet_publish_view;
struct aws_tls_connection_options;

namespace mqtt5crt {

class Addon;

class ClientCore final : public CoreBase {
public:
    static constexpr int kClosedError = AWS_ERROR_MQTT5_CLIENT_TERMINATED;

    // Creates the CRT client; on failure throws CrtError and the core is gone. `broker_tls`: the
    // TLS options to the broker (null: plain), which become options.tls_options.
    static ClientCore *Create(Napi::Env env, Addon *addon, Napi::Function sink, aws_mqtt5_client_options &options,
                              aws_tls_connection_options *broker_tls, WebsocketSetup websocket);

    // JS thread: the CRT client, or null once Shutdown released it.
    aws_mqtt5_client *client() const { return released_ ? nullptr : client_; }
    bool Released() const { return released_; }
    HandshakeTransforms &handshake() { return handshake_; }

    // JS thread (see publish_batcher.h and ack_batcher.h).
    bool QueuePublish(const aws_mqtt5_packet_publish_view &view, double id);
    void SchedulePublishes() { publishes_.Schedule(client()); }
    void FlushPublishes() { publishes_.Flush(client()); }
    bool WithdrawQueuedPublish(double id, int error_code) { return publishes_.Withdraw(id, error_code); }
    void Acknowledge(const uint64_t *ids, size_t count) { acks_.Acknowledge(client(), ids, count); }
    // JS thread.
    void SetRunning(bool running);
    void Shutdown();                     // releases the CRT client; idempotent
    void Detach() { addon_ = nullptr; }  // the environment's addon state is going away

private:
    ClientCore(Addon *addon, WebsocketSetup websocket);
    ~ClientCore() override = default;

    void HandlesClosed() override;
    // CRT threads.
    static void OnLifecycle(const aws_mqtt5_client_lifecycle_event *event);
    static void OnPublishReceived(const aws_mqtt5_packet_publish_view *publish, void *user_data);
    static void OnTerminated(void *user_data);
    static void OnTlsNegotiated(aws_channel_handler *handler, aws_channel_slot *slot, int error_code, void *user_data);

    PublishBatcher publishes_;
    AckBatcher acks_;
    HandshakeTransforms handshake_;

    Addon *addon_;
    aws_mqtt5_client *client_ = nullptr;  // set once; CRT callbacks use it until termination
    bool released_ = false;               // JS thread: Shutdown released our reference to client_
};

}  // namespace mqtt5crt
