// The MQTT 3.1.1 client's types, as aws-crt's `mqtt` module declares them: QoS, payloads,
// results, event data, callbacks and the connection's configuration. lib/mqtt.ts re-exports them.
import type { CrtError } from './error';
import type { HttpProxyOptions, HttpRequest } from './http';
import type { ClientTlsContext, SocketOptions } from './io';

export { HttpProxyOptions } from './http';

/** Quality of service (aws-crt's `mqtt.QoS`). */
export enum QoS {
    AtMostOnce = 0,
    AtLeastOnce = 1,
    ExactlyOnce = 2,
}

/** A payload: a string, a JSON-serialisable object, or binary data. */
export type Payload = string | Record<string, unknown> | ArrayBuffer | ArrayBufferView;

/** Called for each received message (the payload as an ArrayBuffer of its own). */
export type OnMessageCallback = (topic: string, payload: ArrayBuffer, dup: boolean, qos: QoS, retain: boolean) => void;

/** The result of an operation: the packet id it used (absent for QoS 0 publishes in some brokers' terms). */
export interface MqttRequest {
    packet_id?: number;
}

/** The result of a subscribe: the SUBACK's granted QoS (128 = refused). */
export interface MqttSubscribeRequest extends MqttRequest {
    topic: string;
    qos: QoS;
    error_code?: number;
}

/** Data of the `connection_success` event. */
export interface OnConnectionSuccessResult {
    session_present: boolean;
    reason_code?: number;
}

/** Data of the `connection_failure` event. */
export interface OnConnectionFailedResult {
    error: CrtError;
}

/** Data of the `closed` event (empty). */
export type OnConnectionClosedResult = Record<string, never>;

/** The last will: published by the server when the connection is lost unexpectedly. */
export class MqttWill {
    constructor(
        readonly topic: string,
        readonly qos: QoS,
        readonly payload: Payload,
        readonly retain = false,
    ) {}
}

export type MqttConnectionConnected = (session_present: boolean) => void;
export type MqttConnectionDisconnected = () => void;
export type MqttConnectionResumed = (return_code: number, session_present: boolean) => void;
export type MqttConnectionError = (error: CrtError) => void;
export type MqttConnectionInterrupted = (error: CrtError) => void;
export type MqttConnectionSucess = (callback_data: OnConnectionSuccessResult) => void;
export type MqttConnectionFailure = (callback_data: OnConnectionFailedResult) => void;
export type MqttConnectionClosed = (callback_data: OnConnectionClosedResult) => void;

/** Reconnect backoff bounds in seconds (aws-crt's defaults). */
export const DEFAULT_RECONNECT_MIN_SEC = 1;
export const DEFAULT_RECONNECT_MAX_SEC = 128;

/** The library name and metadata an SDK adds to the SDK metrics in the CONNECT username. */
export interface AWSIoTMetrics {
    libraryName: string;
    metadata?: [string, string][];
}

/** Options shared with aws-crt's browser connection. */
export interface MqttConnectionConfigBase {
    /** Client id of the CONNECT packet. */
    client_id: string;
    /** Broker host. */
    host_name: string;
    /** Broker port. */
    port: number;
    /** Start a clean session on every connect (default true in the CONNECT sense: see aws-crt). */
    clean_session?: boolean;
    /** Keep-alive in seconds (CRT default 1200). */
    keep_alive?: number;
    /** Milliseconds to wait for a PINGRESP (CRT default 3000). */
    ping_timeout?: number;
    /** Milliseconds to wait for an acknowledgement; 0 = no timeout. */
    protocol_operation_timeout?: number;
    /** Minimum reconnect delay, seconds (default 1). */
    reconnect_min_sec?: number;
    /** Maximum reconnect delay, seconds (default 128). */
    reconnect_max_sec?: number;
    /** The last will. */
    will?: MqttWill;
    /** CONNECT username. */
    username?: string;
    /** CONNECT password. */
    password?: string;
    /** Leave SDK metrics out of the username (by default they are appended to it, as aws-crt does). */
    disable_metrics?: boolean;
    /** The SDK's library name and metadata, merged into the SDK metrics (default library name IoTDeviceSDK/JS). */
    metrics?: AWSIoTMetrics;
}

/** A connection's configuration (aws-crt's `MqttConnectionConfig`). */
export interface MqttConnectionConfig extends MqttConnectionConfigBase {
    /** Socket options (required, as in aws-crt). */
    socket_options: SocketOptions;
    /** MQTT over websockets. */
    use_websocket?: boolean;
    /** TLS to the broker. */
    tls_ctx?: ClientTlsContext;
    /** An HTTP proxy. */
    proxy_options?: HttpProxyOptions;
    /** Changes the websocket handshake request (e.g. signs it) and calls `done`. */
    websocket_handshake_transform?: (request: HttpRequest, done: (error_code?: number) => void) => void;
}

/** Counts and sizes of incomplete and unacknowledged operations. */
export interface ConnectionStatistics {
    incompleteOperationCount: number;
    incompleteOperationSize: number;
    unackedOperationCount: number;
    unackedOperationSize: number;
}
