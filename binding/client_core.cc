#include "client_core.h"

#include <aws/io/channel_bootstrap.h>
#include <aws/io/tls_channel_handler.h>
#include <aws/mqtt/v5/mqtt5_client.h>

#include <algorithm>
#include <iterator>
#include <utility>

#include "addon.h"
#include "stored_packets.h"

namespace mqtt5crt {

ClientCore::ClientCore(Addon *addon, WebsocketSetup websocket)
    : publishes_(*this, loop_, delivery_.events()),
      acks_(*this, loop_),
      handshake_(std::move(websocket), delivery_.events()),
      addon_(addon) {}

ClientCore *ClientCore::Create(Napi::Env env, Addon *addon, Napi::Function sink, aws_mqtt5_client_options &options,
                               aws_tls_connection_options *broker_tls, WebsocketSetup websocket) {
    auto *core = new ClientCore(addon, std::move(websocket));
    core->InitDelivery(env, addon, sink);
    core->handshake_.Install(options);
    if (!options.bootstrap) options.bootstrap = Crt::Get().bootstrap;
    core->loop_.SetGroup(options.bootstrap->event_loop_group);
    options.lifecycle_event_handler = OnLifecycle;
    options.lifecycle_event_handler_user_data = core;
    options.publish_received_handler = OnPublishReceived;
    options.publish_received_handler_user_data = core;
    options.client_termination_handler = OnTerminated;
    options.client_termination_handler_user_data = core;
    if (broker_tls) {
        // The core outlives every channel: the CRT's reference goes only at client termination,
        // which waits for the last channel's shutdown (and so for its TLS handler).
        aws_tls_connection_options_set_callbacks(broker_tls, OnTlsNegotiated, nullptr, nullptr, core);
        options.tls_options = broker_tls;
    }

    core->client_ = aws_mqtt5_client_new(Crt::Get().allocator, &options);
    if (!core->client_) core->AbandonCreation(env, addon, aws_last_error());
    addon->live_cores.insert(core);
    return core;
}

// Small payloads join this turn's batch; large ones go at once (publish_batcher.h says why).
bool ClientCore::QueuePublish(const aws_mqtt5_packet_publish_view &view, double id) {
    return view.payload.len >= PublishBatcher::kDirectPayloadMin ? publishes_.SubmitNow(client(), view, id)
                                                                 : publishes_.Queue(client(), view, id);
}

// ---- CRT threads: copy, enqueue, never throw, never touch N-API ---------------------------------

namespace {
// The lifecycle events JS hears about, by the CRT's event type.
constexpr std::pair<aws_mqtt5_client_lifecycle_event_type, EventType> kLifecycleEvents[] = {
    {AWS_MQTT5_CLET_ATTEMPTING_CONNECT, EventType::AttemptingConnect},
    {AWS_MQTT5_CLET_CONNECTION_SUCCESS, EventType::ConnectionSuccess},
    {AWS_MQTT5_CLET_CONNECTION_FAILURE, EventType::ConnectionFailure},
    {AWS_MQTT5_CLET_DISCONNECTION, EventType::Disconnection},
    {AWS_MQTT5_CLET_STOPPED, EventType::Stopped},
};
}  // namespace

void ClientCore::OnLifecycle(const aws_mqtt5_client_lifecycle_event *e) {
    auto *core = static_cast<ClientCore *>(e->user_data);
    Event ev;
    const auto *known = std::find_if(std::begin(kLifecycleEvents), std::end(kLifecycleEvents),
                                     [e](const auto &entry) { return entry.first == e->event_type; });
    if (known == std::end(kLifecycleEvents)) return;
    ev.type = known->second;
    ev.error_code = e->error_code;
    if (e->connack_data) ev.packet = CopyPacket(e->connack_data);
    if (e->disconnect_data) ev.packet = CopyPacket(e->disconnect_data);
    if (e->settings) ev.settings = CopySettings(e->settings);
    core->events().Push(std::move(ev));
}

void ClientCore::OnPublishReceived(const aws_mqtt5_packet_publish_view *publish, void *user_data) {
    auto *core = static_cast<ClientCore *>(user_data);
    double ack_id = 0;
    // The PUBACK is taken under our control here, where the CRT requires it (synchronously in
    // this callback); JS sends it after the listeners ran, or later through an acquired handle.
    if (publish->qos == AWS_MQTT5_QOS_AT_LEAST_ONCE) {
        ack_id = static_cast<double>(aws_mqtt5_client_acquire_publish_acknowledgement(core->client_, publish));
    }
    core->events().PushMessage(publish, ack_id, core->client_);
}

// s2n's blinding delays the channel's shutdown, and so ConnectionFailure, by 10-30 s after a failed
// handshake; the result itself is known here at once.
void ClientCore::OnTlsNegotiated(aws_channel_handler *, aws_channel_slot *, int error_code, void *user_data) {
    if (error_code == AWS_ERROR_SUCCESS) return;
    Event ev;
    ev.type = EventType::TlsHandshakeFailed;
    ev.error_code = error_code;
    static_cast<ClientCore *>(user_data)->events().Push(std::move(ev));
}

void ClientCore::OnTerminated(void *user_data) { static_cast<ClientCore *>(user_data)->Terminated(); }

// ---- JS thread ----------------------------------------------------------------------------------

void ClientCore::SetRunning(bool running) { delivery_.SetRunning(running); }

void ClientCore::Shutdown() {
    publishes_.Flush(client());  // submitted before the client is released, as if each had gone at once
    publishes_.SealBlock();
    delivery_.SetRunning(false);
    delivery_.KeepAlive(false);
    if (addon_) addon_->live_cores.erase(this);
    handshake_.FailPending(kClosedError);
    if (client_ && !released_) {
        released_ = true;
        aws_mqtt5_client_release(client_);
    }
}

void ClientCore::HandlesClosed() {
    handshake_.FailPending(kClosedError);
    CoreBase::HandlesClosed();
}

}  // namespace mqtt5crt
