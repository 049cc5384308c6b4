/**
 * mqtt5-crt: a fast, complete MQTT 5 client for Node.js over the AWS Common Runtime.
 *
 * The `mqtt5` namespace mirrors aws-crt's `mqtt5` module.
 */
import * as auth from './auth';
import * as http from './http';
import * as io from './io';
import * as iot from './iot_all';
import * as mqtt5 from './mqtt5_all';

export { auth, http, io, iot, mqtt5 };
export * from './mqtt5';
export * from './mqtt5_packet';
export { CrtError } from './error';
export { Mqtt5ClientBuilder, Mqtt5ClientOptions, Mqtt5CustomAuthConfig, WebsocketConfig } from './builder';
export type {
    ReconnectOptions,
    OnConnectionSuccessEventData,
    OnConnectionFailureEventData,
    OnDisconnectionEventData,
    PublishReceivedEventData,
} from './builder';
/** The C++ SDK's packet classes (`Aws::Crt::Mqtt5::*`), usable wherever a packet object is. */
export * as Mqtt5 from './packet_classes';

io.applyLoggingFromEnvironment();
