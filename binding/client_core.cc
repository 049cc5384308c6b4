#include "client_core.h"

#include <aws/io/channel_bootstrap.h>
#include <aws/mqtt/v5/mqtt5_client.h>

#include "addon.h"
#include "stored_packets.h"

namespace mqtt5crt {
namespace {

// At most this many events reach JS per wake-up; the rest wait for the next turn of the loop, so
// a message flood cannot starve timers and I/O.
constexpr size_t kMaxBatch = 1024;

}  // namespace

ClientCore::ClientCore(Addon *addon, WebsocketSetup websocket)
    : RefCounted(3),
      events_(*this, loop_, waker_),
      publishes_(*this, loop_, events_),
      acks_(*this, loop_),
      handshake_(std::move(websocket), events_),
      addon_(addon) {}

ClientCore *ClientCore::Create(Napi::Env env, Addon *addon, Napi::Function sink, aws_mqtt5_client_options &options,
                               WebsocketSetup websocket) {
    auto *core = new ClientCore(addon, std::move(websocket));
    if (!core->Init(env, sink)) {
        delete core;
        addon->ThrowCrtError(env, AWS_ERROR_OOM);
    }
    core->handshake_.Install(options);
    options.bootstrap = Crt::Get().bootstrap;
    options.lifecycle_event_handler = OnLifecycle;
    options.lifecycle_event_handler_user_data = core;
    options.publish_received_handler = OnPublishReceived;
    options.publish_received_handler_user_data = core;
    options.client_termination_handler = OnTerminated;
    options.client_termination_handler_user_data = core;

    core->client_ = aws_mqtt5_client_new(Crt::Get().allocator, &options);
    if (!core->client_) {
        int error = aws_last_error();
        // No CRT client: its termination reference will never be dropped by a callback.
        core->Close();
        core->Unref();  // CRT
        core->Unref();  // wrapper
        addon->ThrowCrtError(env, error);
    }
    addon->live_cores.insert(core);
    return core;
}

bool ClientCore::Init(Napi::Env env, Napi::Function sink) {
    if (!waker_.Init(env, OnWake, this)) return false;
    env_ = env;
    napi_create_reference(env, sink, 0, &sink_);
    napi_value resource_name = nullptr;
    napi_create_string_utf8(env, "mqtt5-crt", NAPI_AUTO_LENGTH, &resource_name);
    napi_async_init(env, nullptr, resource_name, &async_context_);
    // At environment teardown (process exit, worker termination) the handles are closed; node
    // waits for the close to complete.
    napi_add_async_cleanup_hook(env, OnEnvTeardown, this, &teardown_hook_);
    return true;
}

// ---- CRT threads: copy, enqueue, never throw, never touch N-API ---------------------------------

void ClientCore::OnLifecycle(const aws_mqtt5_client_lifecycle_event *e) {
    auto *core = static_cast<ClientCore *>(e->user_data);
    Event ev;
    switch (e->event_type) {
        case AWS_MQTT5_CLET_ATTEMPTING_CONNECT:
            ev.type = EventType::AttemptingConnect;
            break;
        case AWS_MQTT5_CLET_CONNECTION_SUCCESS:
            ev.type = EventType::ConnectionSuccess;
            break;
        case AWS_MQTT5_CLET_CONNECTION_FAILURE:
            ev.type = EventType::ConnectionFailure;
            break;
        case AWS_MQTT5_CLET_DISCONNECTION:
            ev.type = EventType::Disconnection;
            break;
        case AWS_MQTT5_CLET_STOPPED:
            ev.type = EventType::Stopped;
            break;
        default:
            return;
    }
    ev.error_code = e->error_code;
    if (e->connack_data) ev.packet = CopyPacket(e->connack_data);
    if (e->disconnect_data) ev.packet = CopyPacket(e->disconnect_data);
    if (e->settings) ev.settings = CopySettings(e->settings);
    core->events_.Push(std::move(ev));
}

void ClientCore::OnPublishReceived(const aws_mqtt5_packet_publish_view *publish, void *user_data) {
    auto *core = static_cast<ClientCore *>(user_data);
    double ack_id = 0;
    // The PUBACK is taken under our control here, where the CRT requires it (synchronously in
    // this callback); JS sends it after the listeners ran, or later through an acquired handle.
    if (publish->qos == AWS_MQTT5_QOS_AT_LEAST_ONCE) {
        ack_id = static_cast<double>(aws_mqtt5_client_acquire_publish_acknowledgement(core->client_, publish));
    }
    core->events_.PushMessage(publish, ack_id);
}

void ClientCore::OnTerminated(void *user_data) {
    auto *core = static_cast<ClientCore *>(user_data);
    core->events_.End();  // JS closes the handles once it has taken the last events
    core->waker_.Wake();
    core->Unref();
}

// ---- JS thread ----------------------------------------------------------------------------------

void ClientCore::OnWake(void *arg) {
    auto *core = static_cast<ClientCore *>(arg);
    core->waker_.StartTimerIfHot();
    try {
        core->Deliver(Napi::Env(core->env_));
    } catch (const Napi::Error &) {
        // Converting failed (the environment is going away, or out of memory): the rest of this
        // batch is dropped; a JS exception, if any, stays pending and is reported as uncaught.
    }
    // The CRT client is gone and every event it sent has been delivered: nothing can wake us.
    if (core->events_.Finished()) core->Close();
}

void ClientCore::Deliver(Napi::Env env) {
    EventBatch batch = events_.Take(kMaxBatch);
    if (batch.events == 0) return;  // a wake-up whose events an earlier one took: not a batch
    waker_.Taken(batch.events);

    Napi::HandleScope scope(env);
    Addon *addon = env.GetInstanceData<Addon>();
    napi_value records = nullptr;
    double *rec = addon->Records(env, EncodedSize(batch), &records);
    if (!rec) return;
    napi_value objects = nullptr;
    napi_create_array(env, &objects);
    bool stopped = false;
    size_t count = EncodeBatch(env, addon->Keys(), batch, rec, objects, &stopped);
    batch.segments.clear();
    CallSink(env, objects, records, count);
    // A stopped client no longer keeps the process alive, unless start() was called again.
    if (stopped && !running_) KeepAlive(false);
}

void ClientCore::CallSink(napi_env env, napi_value objects, napi_value records, size_t count) {
    napi_value fn = nullptr;
    if (!sink_ || napi_get_reference_value(env, sink_, &fn) != napi_ok || fn == nullptr) return;
    // The raw call: an exception thrown by the sink stays pending and Node reports it as uncaught
    // when this callback returns (the sink already isolates listener errors).
    napi_value receiver = nullptr;
    napi_value argv[3] = {objects, records, nullptr};
    napi_create_uint32(env, static_cast<uint32_t>(count), &argv[2]);
    napi_get_global(env, &receiver);  // make_callback needs an object receiver; the sink ignores it
    // make_callback: microtasks and nextTicks run when it returns, as after any I/O callback.
    if (napi_make_callback(env, async_context_, receiver, fn, 3, argv, nullptr) == napi_pending_exception) {
        // Node would only warn (DEP0168) about an exception left pending here: report it as
        // uncaught instead, as for any callback.
        napi_value error = nullptr;
        if (napi_get_and_clear_last_exception(env, &error) == napi_ok && error != nullptr) napi_fatal_exception(env, error);
    }
}

// The N-API calls on these paths also run from finalizers and at environment teardown, where
// they may fail harmlessly; they use the C API and ignore the status instead of throwing.
void ClientCore::KeepAlive(bool keep) {
    if (keep == kept_alive_ || waker_.closed()) return;
    kept_alive_ = keep;
    waker_.KeepAlive(keep);
    uint32_t count = 0;
    if (sink_ && keep) napi_reference_ref(env_, sink_, &count);
    if (sink_ && !keep) napi_reference_unref(env_, sink_, &count);
}

void ClientCore::SetRunning(bool running) {
    running_ = running;
    if (running) KeepAlive(true);
}

void ClientCore::Shutdown() {
    publishes_.Flush(client());  // submitted before the client is released, as if each had gone at once
    publishes_.SealBlock();
    running_ = false;
    KeepAlive(false);
    if (addon_) addon_->live_cores.erase(this);
    handshake_.FailPending(AWS_ERROR_MQTT5_CLIENT_TERMINATED);
    if (client_ && !released_) {
        released_ = true;
        aws_mqtt5_client_release(client_);
    }
}

void ClientCore::Close() {
    if (waker_.closed()) return;
    waker_.Close(OnClosed);
    events_.Shut();
}

void ClientCore::OnClosed(void *arg) {
    auto *core = static_cast<ClientCore *>(arg);
    core->kept_alive_ = false;
    core->handshake_.FailPending(AWS_ERROR_MQTT5_CLIENT_TERMINATED);
    if (core->sink_) napi_delete_reference(core->env_, core->sink_);
    core->sink_ = nullptr;
    if (core->async_context_) napi_async_destroy(core->env_, core->async_context_);
    core->async_context_ = nullptr;
    if (core->teardown_hook_) napi_remove_async_cleanup_hook(core->teardown_hook_);
    core->teardown_hook_ = nullptr;
    core->Unref();
}

void ClientCore::OnEnvTeardown(napi_async_cleanup_hook_handle, void *arg) {
    static_cast<ClientCore *>(arg)->Close();  // OnClosed tells node the cleanup is done
}

}  // namespace mqtt5crt
