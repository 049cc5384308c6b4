/**
 * mqtt5-crt: a fast, complete MQTT 5 client for Node.js over the AWS Common Runtime.
 *
 * The `mqtt5` namespace mirrors aws-crt's `mqtt5` module.
 */
import * as auth from './auth';
import * as cancel from './cancel';
import * as http from './http';
import * as io from './io';
import * as iot from './iot_all';
import * as mqtt from './mqtt';
import * as mqtt5 from './mqtt5_all';
import * as mqtt_request_response from './mqtt_request_response';

export { auth, cancel, http, io, iot, mqtt, mqtt5, mqtt_request_response };
export * from './mqtt5';
export * from './mqtt5_packet';
export { CrtError } from './error';
export { Mqtt5ClientBuilder, Mqtt5ClientOptions, Mqtt5CustomAuthConfig, WebsocketConfig } from './builder';
export type {
    Mqtt5Callback,
    OnWebSocketHandshakeIntercept,
    OnWebSocketHandshakeInterceptComplete,
    ReconnectOptions,
} from './builder';
export type { OperationOptions } from './abort';
export { MessageStream, topicMatches } from './messages';
export type { MessagesOptions } from './messages';
export type { ClientMetrics, ConnectionState, LastError, OperationCounts } from './metrics';
export { ChannelNames } from './tracing';
export type { ConnectionChannelMessage, MessageChannelMessage, OperationTraceContext } from './tracing';
// The C++ SDK's names (README: "C++ SDK → TypeScript names"). Those that would clash with an
// aws-crt name at the top level (`DisconnectPacket`, `NegotiatedSettings`) are in `Mqtt5` only.
export { errorDebugString, errorName, errorString } from './cpp/errors';
export * from './cpp/shared_names';
export {
    byteCursorFromString,
    CredentialsProvider,
    CredentialsProviderChainDefaultConfig,
    HttpClientConnectionProxyOptions,
    IoTDeviceSDKMetrics,
    type Pkcs12Options,
} from './cpp/support';
/**
 * The C++ SDK's `Aws::Crt::Mqtt5` namespace: packet, result and event data classes, enums with
 * their C++ spellings, the client; usable wherever the aws-crt shapes are.
 */
export * as Mqtt5 from './cpp/mqtt5_namespace';

io.applyLoggingFromEnvironment();
