// The client's event payloads, as the C++ SDK's event data classes. One object serves both
// styles: aws-crt's fields (`connack`, `settings`, `error`, `message`, ...) are own properties
// and the C++ names (`connAckPacket`, `negotiatedSettings`, `errorCode`, `publishPacket`, ...)
// are getters on the prototype, so `client.on('connectionSuccess', ...)` listeners and the
// builder's callbacks receive the same object, and the hot path allocates nothing more. (Fields
// are `declare`d and assigned in the constructors: class field definitions cost more per object
// than plain stores.)
import type { CrtError } from '../error';
import type { PublishAcknowledgementHandle, PublishAcknowledgementHandleWrapper } from '../mqtt5_ack';
import type * as p from '../mqtt5_packet';
import type * as t from '../mqtt5_types';
import type { DisconnectPacket, PublishPacket } from '../packet_classes';
import { asPublishPacket, type ConnAckPacket, type NegotiatedSettings } from './results';

/** C++ `OnAttemptingConnectEventData` (aws-crt `AttemptingConnectEvent`): no data. */
export class OnAttemptingConnectEventData implements t.AttemptingConnectEvent {}

/** C++ `OnStoppedEventData` (aws-crt `StoppedEvent`): no data. */
export class OnStoppedEventData implements t.StoppedEvent {}

/** C++ `OnConnectionSuccessEventData` (aws-crt `ConnectionSuccessEvent`). */
export class OnConnectionSuccessEventData implements t.ConnectionSuccessEvent {
    /** aws-crt: the server's CONNACK. */
    declare connack: ConnAckPacket;
    /** aws-crt: the settings in force for this connection. */
    declare settings: NegotiatedSettings;
    /** @internal */
    constructor(connack: ConnAckPacket, settings: NegotiatedSettings) {
        this.connack = connack;
        this.settings = settings;
    }
    /** C++: the server's CONNACK (= `connack`). */
    get connAckPacket(): ConnAckPacket {
        return this.connack;
    }
    /** C++: the settings in force for this connection (= `settings`). */
    get negotiatedSettings(): NegotiatedSettings {
        return this.settings;
    }
}

/** C++ `OnConnectionFailureEventData` (aws-crt `ConnectionFailureEvent`). */
export class OnConnectionFailureEventData implements t.ConnectionFailureEvent {
    /** aws-crt: why the attempt failed. */
    declare error: CrtError;
    /** aws-crt: the CONNACK, when the server refused the connection. */
    declare connack?: ConnAckPacket;
    /** @internal */
    constructor(error: CrtError, connack?: ConnAckPacket) {
        this.error = error;
        if (connack !== undefined) this.connack = connack;
    }
    /** C++: the CRT error code (= `error.errorCode`); pass it to `errorDebugString`. */
    get errorCode(): number {
        return this.error.errorCode;
    }
    /** C++: the CONNACK, when the server refused the connection, else null (= `connack`). */
    get connAckPacket(): ConnAckPacket | null {
        return this.connack ?? null;
    }
}

/** C++ `OnDisconnectionEventData` (aws-crt `DisconnectionEvent`). */
export class OnDisconnectionEventData implements t.DisconnectionEvent {
    /** aws-crt: why the connection ended. */
    declare error: CrtError;
    /** aws-crt: the DISCONNECT, when the server sent one. */
    declare disconnect?: DisconnectPacket;
    /** @internal */
    constructor(error: CrtError, disconnect?: DisconnectPacket) {
        this.error = error;
        if (disconnect !== undefined) this.disconnect = disconnect;
    }
    /** C++: the CRT error code (= `error.errorCode`); pass it to `errorDebugString`. */
    get errorCode(): number {
        return this.error.errorCode;
    }
    /** C++: the DISCONNECT the server sent, else null (= `disconnect`). */
    get disconnectPacket(): DisconnectPacket | null {
        return this.disconnect ?? null;
    }
}

/** C++ `PublishReceivedEventData` (aws-crt `MessageReceivedEvent`). */
export class PublishReceivedEventData implements t.MessageReceivedEvent {
    /** aws-crt: the received PUBLISH (payload and correlation data as ArrayBuffers, see `ReceivedPublishPacket`). */
    declare message: t.ReceivedPublishPacket;
    /** aws-crt: present for QoS 1 messages, to take over the PUBACK (see `acquireHandle()`). */
    declare acknowledgementControl?: PublishAcknowledgementHandleWrapper;
    /** @internal */
    constructor(message: p.PublishPacket, acknowledgementControl?: PublishAcknowledgementHandleWrapper) {
        this.message = message as t.ReceivedPublishPacket;
        if (acknowledgementControl !== undefined) this.acknowledgementControl = acknowledgementControl;
    }
    /** C++: the received PUBLISH as a `PublishPacket` with its getters (the same object as `message`). */
    get publishPacket(): PublishPacket {
        return asPublishPacket(this.message as p.PublishPacket);
    }
    /**
     * C++ `acquirePublishAcknowledgement()`: takes over the PUBACK of a QoS 1 message (call it
     * synchronously in the callback, then `handle.invokeAcknowledgement()` or
     * `client.invokePublishAcknowledgement(handle)` later); null for QoS 0 or when already taken.
     */
    acquirePublishAcknowledgement(): PublishAcknowledgementHandle | null {
        return this.acknowledgementControl?.acquireHandle() ?? null;
    }
}
