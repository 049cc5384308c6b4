#include "mqtt311_connection.h"

#include <aws/io/channel_bootstrap.h>
#include <aws/io/socket.h>
#include <aws/mqtt/mqtt.h>

#include <memory>
#include <string>

#include "addon.h"
#include "connect_options.h"
#include "convert.h"
#include "event_loop_group.h"
#include "operations.h"
#include "options.h"
#include "packets.h"
#include "tls_context.h"

namespace mqtt5crt {
namespace {

// One aws_mqtt_client for the connections on the process-wide group: it only holds the bootstrap
// (shared by every client, see Crt) and is never released, like the bootstrap.
aws_mqtt_client *SharedClient() {
    static aws_mqtt_client *client = aws_mqtt_client_new(Crt::Get().allocator, Crt::Get().bootstrap);
    return client;
}

// A new connection through `bootstrap` (an io.EventLoopGroup's), or through the process-wide one
// when null. An aws_mqtt_client only holds a bootstrap: each connection on a group of its own gets
// one, which the connection keeps (with the bootstrap and its threads) for as long as it lives.
aws_mqtt_client_connection *NewConnection(aws_client_bootstrap *bootstrap) {
    if (!bootstrap) {
        aws_mqtt_client *shared = SharedClient();
        return shared ? aws_mqtt_client_connection_new(shared) : nullptr;
    }
    aws_mqtt_client *client = aws_mqtt_client_new(Crt::Get().allocator, bootstrap);
    aws_mqtt_client_connection *connection = client ? aws_mqtt_client_connection_new(client) : nullptr;
    aws_mqtt_client_release(client);  // the connection holds its own reference
    return connection;
}

// What a 3.1.1 callback adds to its event: only the fields that are set reach JS.
struct Mqtt311Info final : OwnedPacket {
    int return_code = -1, session_present = -1, packet_id = -1, qos = -1;
    bool has_topic = false;
    std::string topic;
    Napi::Object ToJs(Napi::Env env, KeyCache &) const override {
        Napi::Object o = Napi::Object::New(env);
        if (return_code >= 0) o.Set("returnCode", Napi::Number::New(env, return_code));
        if (session_present >= 0) o.Set("sessionPresent", Napi::Boolean::New(env, session_present != 0));
        if (packet_id >= 0) o.Set("packetId", Napi::Number::New(env, packet_id));
        if (qos >= 0) o.Set("qos", Napi::Number::New(env, qos));
        if (has_topic) o.Set("topic", Napi::String::New(env, topic));
        return o;
    }
};

std::unique_ptr<OwnedPacket> ConnackInfo(int return_code, bool session_present) {
    auto info = std::make_unique<Mqtt311Info>();
    info->return_code = return_code;
    info->session_present = session_present ? 1 : 0;
    return info;
}

void Push(EventQueue &events, EventType type, int error_code, std::unique_ptr<OwnedPacket> packet = nullptr, double id = 0) {
    Event ev;
    ev.type = type;
    ev.error_code = error_code;
    ev.packet = std::move(packet);
    ev.id = id;
    events.Push(std::move(ev));
}

// Operation completions (CRT threads, or the JS thread when a submission failed at once).
void OnConnectComplete(aws_mqtt_client_connection *, int error_code, aws_mqtt_connect_return_code rc, bool session_present,
                       void *ctx) {
    auto *op = static_cast<OpContext *>(ctx);
    Push(*op->events, EventType::Mqtt311ConnectComplete, error_code, ConnackInfo(rc, session_present), op->id);
    DeleteOpContext(op);
}

// PUBLISH (written at QoS 0, PUBACK at QoS 1) and UNSUBACK: success travels as a bare number,
// id * 65536 + packet id, which is all lib/mqtt.ts resolves the operation with (exact in a
// double: ids stay below 2^37).
void OnOpComplete(aws_mqtt_client_connection *, uint16_t packet_id, int error_code, void *ctx) {
    auto *op = static_cast<OpContext *>(ctx);
    Event ev;
    ev.id = op->id;
    if (error_code == 0) {
        ev.type = EventType::PublishComplete;
        ev.simple = Simple::Done;
        ev.id = op->id * 65536 + packet_id;
    } else {
        ev.type = EventType::Mqtt311OpComplete;
        ev.error_code = error_code;
        auto info = std::make_unique<Mqtt311Info>();
        info->packet_id = packet_id;
        ev.packet = std::move(info);
    }
    op->events->Push(std::move(ev));
    DeleteOpContext(op);
}

void OnSuback(aws_mqtt_client_connection *, uint16_t packet_id, const aws_byte_cursor *topic, aws_mqtt_qos qos, int error_code,
              void *ctx) {
    auto *op = static_cast<OpContext *>(ctx);
    auto info = std::make_unique<Mqtt311Info>();
    info->packet_id = packet_id;
    info->qos = static_cast<int>(qos);
    if (topic) {
        info->has_topic = true;
        info->topic.assign(reinterpret_cast<const char *>(topic->ptr), topic->len);
    }
    Push(*op->events, EventType::Mqtt311OpComplete, error_code, std::move(info), op->id);
    DeleteOpContext(op);
}

void OnDisconnectComplete(aws_mqtt_client_connection *, void *ctx) {
    auto *op = static_cast<OpContext *>(ctx);
    Event ev;
    ev.type = EventType::PublishComplete;
    ev.simple = Simple::Done;
    ev.id = op->id * 65536;  // as OnOpComplete's, with no packet id
    op->events->Push(std::move(ev));
    DeleteOpContext(op);
}

// Messages reach JS once, through the any-publish handler; lib/mqtt.ts calls each matching
// subscription's callback there. The CRT wants a callback per subscription: this one has nothing to do.
void OnSubscriptionPublish(aws_mqtt_client_connection *, const aws_byte_cursor *, const aws_byte_cursor *, bool, aws_mqtt_qos,
                           bool, void *) {}

std::string RequireString(const Napi::CallbackInfo &info, size_t i, const char *what) {
    if (info.Length() <= i || !info[i].IsString())
        throw Napi::TypeError::New(info.Env(), std::string(what) + " must be a string");
    return info[i].As<Napi::String>().Utf8Value();
}

aws_mqtt_qos RequireQos(const Napi::CallbackInfo &info, size_t i, const char *what) {
    if (info.Length() <= i || !info[i].IsNumber())
        throw Napi::TypeError::New(info.Env(), std::string(what) + " must be a number");
    double q = info[i].As<Napi::Number>().DoubleValue();
    if (q != 0 && q != 1 && q != 2) {
        throw Napi::RangeError::New(info.Env(), std::string(what) + " must be 0, 1 or 2 (got " + std::to_string(q) + ")");
    }
    return static_cast<aws_mqtt_qos>(static_cast<int>(q));
}

}  // namespace

// ---- Mqtt311Core --------------------------------------------------------------------------------

Mqtt311Core::Mqtt311Core(WebsocketSetup websocket) : handshake_(std::move(websocket), delivery_.events()) {}

Mqtt311Core *Mqtt311Core::Create(Napi::Env env, Addon *addon, Napi::Function sink, WebsocketSetup websocket,
                                 aws_client_bootstrap *bootstrap) {
    auto *core = new Mqtt311Core(std::move(websocket));
    core->InitDelivery(env, addon, sink);
    core->env_ = env;
    core->loop_.SetGroup((bootstrap ? bootstrap : Crt::Get().bootstrap)->event_loop_group);
    core->connection_ = NewConnection(bootstrap);
    aws_mqtt_client_connection *c = core->connection_;
    if (!c ||
        aws_mqtt_client_connection_set_connection_result_handlers(c, OnConnectionSuccess, core, OnConnectionFailure, core) ||
        aws_mqtt_client_connection_set_connection_interruption_handlers(c, OnInterrupted, core, OnResumed, core) ||
        aws_mqtt_client_connection_set_connection_closed_handler(c, OnConnectionClosed, core) ||
        aws_mqtt_client_connection_set_on_any_publish_handler(c, OnAnyPublish, core) ||
        aws_mqtt_client_connection_set_connection_termination_handler(c, OnTerminated, core) || !core->handshake_.Install(c)) {
        int error = aws_last_error();
        if (c) {
            // The termination handler may or may not be set: drop its reference by hand once, and
            // let the CRT free the connection without calling back.
            aws_mqtt_client_connection_set_connection_termination_handler(c, nullptr, nullptr);
            aws_mqtt_client_connection_release(c);
        }
        core->AbandonCreation(env, addon, error);
    }
    // At environment teardown (process exit, worker termination) the connection is released.
    napi_add_env_cleanup_hook(env, OnEnvCleanup, core);
    core->env_hook_ = true;
    return core;
}

void Mqtt311Core::Shutdown() {
    SetRunning(false);
    if (env_hook_) napi_remove_env_cleanup_hook(env_, OnEnvCleanup, this);
    env_hook_ = false;
    handshake_.FailPending(kClosedError);
    if (connection_ && !released_) {
        released_ = true;
        shut_down_ = true;
        // aws-c-mqtt holds a connection of its own from connect() until it is disconnected:
        // releasing ours alone would leave it connected (and reconnecting) for good. Disconnect
        // first (refused unless connected or reconnecting: a connection still connecting is
        // disconnected by DisconnectIfShutDown once its CONNACK arrives, or ends by its timeout).
        aws_mqtt_client_connection_disconnect(connection_, nullptr, nullptr);
        aws_mqtt_client_connection_release(connection_);
    }
}

void Mqtt311Core::DisconnectIfShutDown() {
    if (shut_down_) aws_mqtt_client_connection_disconnect(connection_, nullptr, nullptr);
}

void Mqtt311Core::OnEnvCleanup(void *arg) {
    auto *core = static_cast<Mqtt311Core *>(arg);
    core->env_hook_ = false;  // running now: not to be removed
    core->Shutdown();
}

void Mqtt311Core::HandlesClosed() {
    handshake_.FailPending(kClosedError);
    CoreBase::HandlesClosed();
}

void Mqtt311Core::OnConnectionSuccess(aws_mqtt_client_connection *, aws_mqtt_connect_return_code rc, bool session_present,
                                      void *ud) {
    auto *core = static_cast<Mqtt311Core *>(ud);
    Push(core->events(), EventType::Mqtt311Success, 0, ConnackInfo(rc, session_present));
    core->DisconnectIfShutDown();
}

void Mqtt311Core::OnConnectionFailure(aws_mqtt_client_connection *, int error_code, void *ud) {
    Push(static_cast<Mqtt311Core *>(ud)->events(), EventType::Mqtt311Failure, error_code);
}

void Mqtt311Core::OnInterrupted(aws_mqtt_client_connection *, int error_code, void *ud) {
    Push(static_cast<Mqtt311Core *>(ud)->events(), EventType::Mqtt311Interrupted, error_code);
}

void Mqtt311Core::OnResumed(aws_mqtt_client_connection *, aws_mqtt_connect_return_code rc, bool session_present, void *ud) {
    Push(static_cast<Mqtt311Core *>(ud)->events(), EventType::Mqtt311Resumed, 0, ConnackInfo(rc, session_present));
}

void Mqtt311Core::OnConnectionClosed(aws_mqtt_client_connection *, on_connection_closed_data *, void *ud) {
    Push(static_cast<Mqtt311Core *>(ud)->events(), EventType::Mqtt311Closed, 0);
}

void Mqtt311Core::OnAnyPublish(aws_mqtt_client_connection *, const aws_byte_cursor *topic, const aws_byte_cursor *payload,
                               bool dup, aws_mqtt_qos qos, bool retain, void *ud) {
    // The MQTT 5 client's message path carries it (topic, payload, QoS, retain, DUP); the CRT
    // sends the PUBACK itself once this returns.
    aws_mqtt5_packet_publish_view view{};
    view.topic = *topic;
    if (payload) view.payload = *payload;
    view.qos = static_cast<aws_mqtt5_qos>(qos);
    view.retain = retain;
    view.duplicate = dup;
    static_cast<Mqtt311Core *>(ud)->events().PushMessage(&view, 0, nullptr);
}

void Mqtt311Core::OnTerminated(void *ud) { static_cast<Mqtt311Core *>(ud)->Terminated(); }

// ---- NativeMqtt311Connection --------------------------------------------------------------------

const NativeKind NativeMqtt311Connection::kKind = {{0x6d717474352d6372ULL, 0x742d6d7174743331ULL},
                                                   "an mqtt.MqttClientConnection"};

namespace {

// config.will, read before the connection exists (the CRT copies it when it is set).
struct WillConfig {
    bool present = false;
    std::string topic;
    aws_byte_cursor payload{};
    aws_mqtt_qos qos = AWS_MQTT_QOS_AT_MOST_ONCE;
    bool retain = false;
};

WillConfig ReadWill(Napi::Env env, const Napi::Object &config, Arena &arena) {
    WillConfig will;
    Napi::Value will_v = SafeGet(config, "will", "config.will");
    if (!Present(will_v)) return will;
    if (!will_v.IsObject()) throw Napi::TypeError::New(env, "config.will must be an object");
    Napi::Object w = will_v.As<Napi::Object>();
    will.topic = OptStr(w, "topic", "config.will");
    will.qos = static_cast<aws_mqtt_qos>(OptU32(w, "qos", "config.will", 2, 0));
    will.retain = SafeGet(w, "retain", "config.will.retain").ToBoolean().Value();
    Napi::Value p = SafeGet(w, "payload", "config.will.payload");
    if (Present(p)) {
        aws_byte_cursor_like b = ReadBytes(p, arena, "config.will.payload");
        will.payload = aws_byte_cursor_from_array(b.ptr, b.len);
    }
    will.present = true;
    return will;
}

// config.username and config.password: a login when either is present.
struct LoginConfig {
    bool present = false, has_password = false;
    std::string username, password;
};

LoginConfig ReadLogin(const Napi::Object &config) {
    LoginConfig login;
    Napi::Value user_v = SafeGet(config, "username", "config.username");
    Napi::Value pass_v = SafeGet(config, "password", "config.password");
    login.present = Present(user_v) || Present(pass_v);
    login.has_password = Present(pass_v);
    login.username = OptStr(config, "username", "config");
    login.password = OptStr(config, "password", "config");
    return login;
}

// config.httpProxyOptions, through the same table as the MQTT 5 client's. (The socket options come
// with connect(), after the proxy is set: the TLS handshake to the proxy keeps the CRT's own
// bound.) False: no proxy.
bool ReadProxy(Napi::Env env, Addon *addon, const Napi::Object &config, Arena &arena, aws_http_proxy_options &proxy,
               TlsOptions &tls) {
    Napi::Value proxy_v = SafeGet(config, "httpProxyOptions", "config.httpProxyOptions");
    if (!Present(proxy_v)) return false;
    if (!proxy_v.IsObject()) throw Napi::TypeError::New(env, "config.httpProxyOptions must be an object");
    ProxyConfig proxy_config{};
    ReadView(proxy_v.As<Napi::Object>(), tables::kProxyOptions, &proxy_config, arena, "config.httpProxyOptions");
    UseProxy(env, addon, proxy_config, proxy, tls, 0);
    return true;
}

// config.websocket, through the same table as the MQTT 5 client's.
WebsocketSetup ReadWebsocket(Napi::Env env, const Napi::Object &config, Arena &arena) {
    Napi::Value ws_v = SafeGet(config, "websocket", "config.websocket");
    if (!Present(ws_v)) return Websocket(env, nullptr);
    if (!ws_v.IsObject()) throw Napi::TypeError::New(env, "config.websocket must be an object");
    WebsocketConfig ws_config{};
    ReadView(ws_v.As<Napi::Object>(), tables::kWebsocket, &ws_config, arena, "config.websocket");
    return Websocket(env, &ws_config);
}

// What the config adds beyond the CONNECT fields: the SDK metrics the CRT appends to the username
// (config.metrics, absent when disabled) and the event loop group to run on.
struct ConnectionExtras {
    aws_mqtt_iot_metrics metrics{};
    bool has_metrics = false;
    aws_client_bootstrap *bootstrap = nullptr;  // null: the process-wide group
};

ConnectionExtras ReadExtras(Napi::Env env, const Napi::Object &config, Arena &arena) {
    ConnectionExtras extras;
    Napi::Value metrics_v = SafeGet(config, "metrics", "config.metrics");
    if (Present(metrics_v)) {
        if (!metrics_v.IsObject()) throw Napi::TypeError::New(env, "config.metrics must be an object");
        ReadView(metrics_v.As<Napi::Object>(), tables::kMetrics, &extras.metrics, arena, "config.metrics");
        extras.has_metrics = true;
    }
    Napi::Value group_v = SafeGet(config, "eventLoopGroup", "config.eventLoopGroup");
    if (Present(group_v)) extras.bootstrap = NativeEventLoopGroup::From(group_v, "config.eventLoopGroup");
    return extras;
}

// options.socketOptions (aws-crt's io.SocketOptions keeps aws-c-io's snake_case names).
aws_socket_options ReadSocketOptions(Napi::Env env, const Napi::Object &o) {
    aws_socket_options socket{};
    socket.type = AWS_SOCKET_STREAM;
    socket.domain = AWS_SOCKET_IPV4;  // the bootstrap takes the domain from each resolved address
    socket.connect_timeout_ms = 5000;
    Napi::Value so_v = SafeGet(o, "socketOptions", "options.socketOptions");
    if (Present(so_v)) {
        if (!so_v.IsObject()) throw Napi::TypeError::New(env, "options.socketOptions must be an object");
        Napi::Object so = so_v.As<Napi::Object>();
        const std::string path = "options.socketOptions";
        socket.type = static_cast<aws_socket_type>(OptU32(so, "type", path, 1, AWS_SOCKET_STREAM));
        socket.connect_timeout_ms = OptU32(so, "connect_timeout_ms", path, UINT32_MAX, 5000);
        socket.keepalive = SafeGet(so, "keepalive", path + ".keepalive").ToBoolean().Value();
        socket.keep_alive_interval_sec = static_cast<uint16_t>(OptU32(so, "keep_alive_interval_sec", path, 65535, 0));
        socket.keep_alive_timeout_sec = static_cast<uint16_t>(OptU32(so, "keep_alive_timeout_sec", path, 65535, 0));
        socket.keep_alive_max_failed_probes = static_cast<uint16_t>(OptU32(so, "keep_alive_max_failed_probes", path, 65535, 0));
        socket.tcp_nodelay = static_cast<aws_socket_tcp_nodelay>(OptU32(so, "tcp_nodelay", path, 2, 0));
    }
    // MQTT packets are small and latency-sensitive: TCP_NODELAY unless asked otherwise (as the MQTT 5 client).
    if (socket.tcp_nodelay == AWS_SOCKET_TCP_NODELAY_DEFAULT) socket.tcp_nodelay = AWS_SOCKET_TCP_NODELAY_ON;
    return socket;
}

aws_byte_cursor Cursor(const std::string &s) { return aws_byte_cursor_from_array(s.data(), s.size()); }

// Submits a PUBLISH, SUBSCRIBE or UNSUBSCRIBE: `submit(op)` returns the CRT's packet id (0: refused).
// The result is id * 65536 + packet id: both exact in a double (ids stay below 2^37).
template <class Submit>
Napi::Value SubmitWithPacketId(Napi::Env env, Addon *addon, Mqtt311Core &core, Submit submit) {
    uint16_t packet_id = 0;
    double id = core.SubmitOperation(env, addon, [&](OpContext *op) {
        packet_id = submit(op);
        return packet_id != 0;
    });
    return Napi::Number::New(env, id * 65536 + packet_id);
}

}  // namespace

Napi::Function NativeMqtt311Connection::Define(Napi::Env env) {
    return DefineClass(env, "NativeMqtt311Connection",
                       {
                           InstanceMethod<&NativeMqtt311Connection::Connect>("connect"),
                           InstanceMethod<&NativeMqtt311Connection::Reconnect>("reconnect"),
                           InstanceMethod<&NativeMqtt311Connection::Disconnect>("disconnect"),
                           InstanceMethod<&NativeMqtt311Connection::Publish>("publish"),
                           InstanceMethod<&NativeMqtt311Connection::Subscribe>("subscribe"),
                           InstanceMethod<&NativeMqtt311Connection::Unsubscribe>("unsubscribe"),
                           InstanceMethod<&NativeMqtt311Connection::GetOperationalStatistics>("getOperationalStatistics"),
                           InstanceMethod("completeWebsocketTransform", &NativeMqtt311Connection::CompleteWebsocketTransform),
                           InstanceMethod("setRunning", &NativeMqtt311Connection::SetRunning),
                           InstanceMethod("close", &NativeMqtt311Connection::Close),
                       });
}

// new NativeMqtt311Connection(config, sink). config: {will?: {topic, qos, payload, retain},
// username?, password?, reconnectMinSec, reconnectMaxSec, httpProxyOptions?, websocket?, metrics?,
// eventLoopGroup?}, checked by lib/mqtt.ts; what is set here holds for every connect().
NativeMqtt311Connection::NativeMqtt311Connection(const Napi::CallbackInfo &info) : ClientWrapper(info) {
    Napi::Env env = info.Env();
    Napi::Object config = RequireObject(info, 0, "config");
    if (info.Length() < 2 || !info[1].IsFunction()) throw Napi::TypeError::New(env, "sink must be a function");

    Arena arena;
    WillConfig will = ReadWill(env, config, arena);
    LoginConfig login = ReadLogin(config);
    uint32_t min_sec = OptU32(config, "reconnectMinSec", "config", UINT32_MAX, 1);
    uint32_t max_sec = OptU32(config, "reconnectMaxSec", "config", UINT32_MAX, 128);
    aws_http_proxy_options proxy{};
    TlsOptions proxy_tls;
    bool has_proxy = ReadProxy(env, addon_, config, arena, proxy, proxy_tls);
    WebsocketSetup websocket = ReadWebsocket(env, config, arena);
    ConnectionExtras extras = ReadExtras(env, config, arena);

    core_ = Mqtt311Core::Create(env, addon_, info[1].As<Napi::Function>(), std::move(websocket), extras.bootstrap);
    aws_mqtt_client_connection *c = core_->connection();
    aws_byte_cursor will_topic = Cursor(will.topic), user = Cursor(login.username), pass = Cursor(login.password);
    // Each setter copies what it is given.
    if ((will.present && aws_mqtt_client_connection_set_will(c, &will_topic, will.qos, will.retain, &will.payload)) ||
        (login.present && aws_mqtt_client_connection_set_login(c, &user, login.has_password ? &pass : nullptr)) ||
        aws_mqtt_client_connection_set_reconnect_timeout(c, min_sec, max_sec) ||
        (has_proxy && aws_mqtt_client_connection_set_http_proxy_options(c, &proxy)) ||
        (extras.has_metrics && aws_mqtt_client_connection_set_metrics(c, &extras.metrics))) {
        int error = aws_last_error();
        Release();
        addon_->ThrowCrtError(env, error);
    }
}

aws_mqtt_client_connection *NativeMqtt311Connection::From(const Napi::Value &value, const char *field,
                                                          aws_event_loop_group **group) {
    Mqtt311Core *core = CoreOf(value, field);
    if (core && group) *group = core->group();
    return core ? core->connection() : nullptr;
}

// connect({clientId, hostName, port, socketOptions, keepAliveSecs, pingTimeoutMs,
// protocolOperationTimeoutMs, cleanSession, tlsCtx?}) -> operation id
Napi::Value NativeMqtt311Connection::Connect(const Napi::CallbackInfo &info) {
    Napi::Env env = info.Env();
    Open(info);
    Napi::Object o = RequireObject(info, 0, "options");
    std::string client_id = OptStr(o, "clientId", "options");
    std::string host = OptStr(o, "hostName", "options");
    if (host.empty()) throw Napi::TypeError::New(env, "options.hostName must be a non-empty string");
    uint32_t port = OptU32(o, "port", "options", 65535, 0);
    if (port == 0) throw Napi::RangeError::New(env, "options.port must be an integer from 1 to 65535 (got 0)");
    aws_socket_options socket = ReadSocketOptions(env, o);

    aws_mqtt_connection_options options{};
    options.host_name = Cursor(host);
    options.port = port;
    options.socket_options = &socket;
    options.client_id = Cursor(client_id);
    options.keep_alive_time_secs = static_cast<uint16_t>(OptU32(o, "keepAliveSecs", "options", 65535, 0));
    options.ping_timeout_ms = OptU32(o, "pingTimeoutMs", "options", UINT32_MAX, 0);
    options.protocol_operation_timeout_ms = OptU32(o, "protocolOperationTimeoutMs", "options", UINT32_MAX, 0);
    options.clean_session = SafeGet(o, "cleanSession", "options.cleanSession").ToBoolean().Value();
    // aws-c-mqtt aborts the process (a fatal assertion) unless the keep-alive is longer than the
    // ping timeout; 0 means its defaults, 1200 s and 3000 ms.
    uint64_t keep_alive_ms = (options.keep_alive_time_secs ? options.keep_alive_time_secs : 1200) * 1000ull;
    uint64_t ping_ms = options.ping_timeout_ms ? options.ping_timeout_ms : 3000;
    if (keep_alive_ms <= ping_ms) {
        throw Napi::RangeError::New(env, "options.keepAliveSecs (" + std::to_string(keep_alive_ms / 1000) +
                                             " s) must be longer than options.pingTimeoutMs (" + std::to_string(ping_ms) +
                                             " ms)");
    }
    TlsOptions tls;
    Napi::Value tls_ctx = SafeGet(o, "tlsCtx", "options.tlsCtx");
    if (Present(tls_ctx)) {
        tls.Init(env, addon_, NativeTlsContext::From(tls_ctx, "options.tlsCtx"), options.host_name, socket.connect_timeout_ms);
        options.tls_options = &tls.options;
    }
    // Reading ran caller code (getters), which may have closed the connection: look again.
    Mqtt311Core &core = Open(info);
    double id = core.SubmitOperation(env, addon_, [&](OpContext *op) {
        options.on_connection_complete = OnConnectComplete;
        options.user_data = op;
        return aws_mqtt_client_connection_connect(core.connection(), &options) == AWS_OP_SUCCESS;
    });
    core.SetRunning(true);
    return Napi::Number::New(env, id);
}

// reconnect() -> operation id. Deprecated: aws-c-mqtt refuses it (AWS_ERROR_UNSUPPORTED_OPERATION, the
// connection reconnects by itself) and aws-crt passes that on; so does this.
Napi::Value NativeMqtt311Connection::Reconnect(const Napi::CallbackInfo &info) {
    Mqtt311Core &core = Open(info);
    double id = core.SubmitOperation(info.Env(), addon_, [&](OpContext *op) {
        return aws_mqtt_client_connection_reconnect(core.connection(), OnConnectComplete, op) == AWS_OP_SUCCESS;
    });
    core.SetRunning(true);
    return Napi::Number::New(info.Env(), id);
}

// disconnect() -> operation id, completed once the connection is closed.
Napi::Value NativeMqtt311Connection::Disconnect(const Napi::CallbackInfo &info) {
    Mqtt311Core &core = Open(info);
    double id = core.SubmitOperation(info.Env(), addon_, [&](OpContext *op) {
        return aws_mqtt_client_connection_disconnect(core.connection(), OnDisconnectComplete, op) == AWS_OP_SUCCESS;
    });
    // A handshake transform still waiting for JS would hold the disconnect up.
    core.handshake().FailPending(AWS_ERROR_MQTT_CONNECTION_DISCONNECTING);
    return Napi::Number::New(info.Env(), id);
}

// publish(topic, payload, qos, retain) -> id * 65536 + packet id
Napi::Value NativeMqtt311Connection::Publish(const Napi::CallbackInfo &info) {
    Napi::Env env = info.Env();
    Mqtt311Core &core = Open(info);
    std::string topic = RequireString(info, 0, "topic");
    Arena arena;
    aws_byte_cursor payload{};
    if (info.Length() > 1 && Present(info[1])) {
        aws_byte_cursor_like b = ReadBytes(info[1], arena, "payload");
        payload = aws_byte_cursor_from_array(b.ptr, b.len);
    }
    aws_mqtt_qos qos = RequireQos(info, 2, "qos");
    if (info.Length() < 4 || !info[3].IsBoolean()) throw Napi::TypeError::New(env, "retain must be a boolean");
    bool retain = info[3].As<Napi::Boolean>().Value();
    aws_byte_cursor topic_c = Cursor(topic);
    // The CRT copies topic and payload before this returns.
    return SubmitWithPacketId(env, addon_, core, [&](OpContext *op) {
        return aws_mqtt_client_connection_publish(core.connection(), &topic_c, qos, retain, &payload, OnOpComplete, op);
    });
}

// subscribe(topicFilter, qos) -> id * 65536 + packet id
Napi::Value NativeMqtt311Connection::Subscribe(const Napi::CallbackInfo &info) {
    Mqtt311Core &core = Open(info);
    std::string topic = RequireString(info, 0, "topic");
    aws_mqtt_qos qos = RequireQos(info, 1, "qos");
    aws_byte_cursor topic_c = Cursor(topic);
    return SubmitWithPacketId(info.Env(), addon_, core, [&](OpContext *op) {
        return aws_mqtt_client_connection_subscribe(core.connection(), &topic_c, qos, OnSubscriptionPublish, nullptr, nullptr,
                                                    OnSuback, op);
    });
}

// unsubscribe(topicFilter) -> id * 65536 + packet id
Napi::Value NativeMqtt311Connection::Unsubscribe(const Napi::CallbackInfo &info) {
    Mqtt311Core &core = Open(info);
    std::string topic = RequireString(info, 0, "topic");
    aws_byte_cursor topic_c = Cursor(topic);
    return SubmitWithPacketId(info.Env(), addon_, core, [&](OpContext *op) {
        return aws_mqtt_client_connection_unsubscribe(core.connection(), &topic_c, OnOpComplete, op);
    });
}

Napi::Value NativeMqtt311Connection::GetOperationalStatistics(const Napi::CallbackInfo &info) {
    Mqtt311Core &core = Open(info);
    aws_mqtt_connection_operation_statistics stats{};
    aws_mqtt_client_connection_get_stats(core.connection(), &stats);
    return OperationalStatisticsToJs(info.Env(), stats);
}

}  // namespace mqtt5crt
