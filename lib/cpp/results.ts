// What the client hands back, as the C++ SDK's classes (`Aws::Crt::Mqtt5::PubAckPacket`,
// `SubAckPacket`, `NegotiatedSettings`, ...). They are the very objects aws-crt-shaped code gets:
// the aws-crt fields (`reasonCode`, `reasonCodes`, `clientId`, ...) are own properties, the C++
// getters live on the prototype. So giving a PUBACK its getters costs nothing per message: the
// hot path builds it with a constructor (same cost as the object literal it replaces), and the
// rarer packets the native layer builds get their prototype set once, when they arrive.
import type * as p from '../mqtt5_packet';
import { PacketType } from '../mqtt5_packet';
import type * as t from '../mqtt5_types';
import { PublishPacket } from '../packet_classes';

const PUBACK = PacketType.Puback;

/**
 * What the C++ acknowledgement classes share: the server's reason string and user properties.
 * (No constructor: V8 omits the call to a default base constructor, so the PUBACK the hot path
 * builds costs what it did as a class of its own.)
 */
export abstract class AckPacket {
    declare reasonString?: string;
    declare userProperties?: p.UserProperty[];

    /** The server's diagnostic text, if any. */
    getReasonString(): string | undefined {
        return this.reasonString;
    }
    /** The user properties (empty when none). */
    getUserProperties(): p.UserProperty[] {
        return this.userProperties ?? [];
    }
}

/** C++ `PubAckPacket`: the PUBACK of a QoS 1 publish. */
export class PubAckPacket extends AckPacket implements p.PubackPacket {
    declare readonly type: PacketType.Puback;
    declare reasonCode: p.PubackReasonCode;

    /** @param reasonCode the PUBACK reason code */
    constructor(reasonCode: p.PubackReasonCode) {
        super();
        (this as { type: PacketType }).type = PUBACK;
        this.reasonCode = reasonCode;
        this.userProperties = []; // as aws-crt gives it
    }
    /** The packet type (always `PacketType.Puback`). */
    getType(): PacketType {
        return PacketType.Puback;
    }
    /** Success, or why the server did not accept the message (check with `isSuccessfulPubackReasonCode`). */
    getReasonCode(): p.PubackReasonCode {
        return this.reasonCode;
    }
}

/** What SUBACK and UNSUBACK share: one reason code per subscription or topic filter, in order. */
export abstract class ReasonCodesAckPacket<Code> extends AckPacket {
    declare reasonCodes: Code[];

    /** One code per subscription (SUBACK: the QoS granted or why it was refused) or topic filter (UNSUBACK), in order. */
    getReasonCodes(): Code[] {
        return this.reasonCodes;
    }
}

/** C++ `SubAckPacket`: the answer to a SUBSCRIBE. */
export class SubAckPacket extends ReasonCodesAckPacket<p.SubackReasonCode> implements p.SubackPacket {
    declare readonly type: PacketType.Suback;

    /** The packet type (always `PacketType.Suback`). */
    getType(): PacketType {
        return PacketType.Suback;
    }
}

/** C++ `UnSubAckPacket`: the answer to an UNSUBSCRIBE. */
export class UnSubAckPacket extends ReasonCodesAckPacket<p.UnsubackReasonCode> implements p.UnsubackPacket {
    declare readonly type: PacketType.Unsuback;

    /** The packet type (always `PacketType.Unsuback`). */
    getType(): PacketType {
        return PacketType.Unsuback;
    }
}

/** C++ `ConnAckPacket`: the server's CONNACK. Optional C++ fields are `undefined` when absent. */
export class ConnAckPacket implements p.ConnackPacket {
    declare readonly type: PacketType.Connack;
    declare sessionPresent: boolean;
    declare reasonCode: p.ConnectReasonCode;
    declare sessionExpiryInterval?: number;
    declare receiveMaximum?: number;
    declare maximumQos?: p.QoS;
    declare retainAvailable?: boolean;
    declare maximumPacketSize?: number;
    declare assignedClientIdentifier?: string;
    declare topicAliasMaximum?: number;
    declare reasonString?: string;
    declare userProperties?: p.UserProperty[];
    declare wildcardSubscriptionsAvailable?: boolean;
    declare subscriptionIdentifiersAvailable?: boolean;
    declare sharedSubscriptionsAvailable?: boolean;
    declare serverKeepAlive?: number;
    declare responseInformation?: string;
    declare serverReference?: string;

    /** The packet type (always `PacketType.Connack`). */
    getType(): PacketType {
        return PacketType.Connack;
    }
    /** True if the server resumed an existing session. */
    getSessionPresent(): boolean {
        return this.sessionPresent;
    }
    /** Success, or why the connection was refused. */
    getReasonCode(): p.ConnectReasonCode {
        return this.reasonCode;
    }
    /** The session expiry the server imposes, in seconds, if it sent one. */
    getSessionExpiryIntervalSec(): number | undefined {
        return this.sessionExpiryInterval;
    }
    /** @deprecated C++'s older name of {@link getSessionExpiryIntervalSec}. */
    getSessionExpiryInterval(): number | undefined {
        return this.sessionExpiryInterval;
    }
    /** How many QoS 1 publishes the server accepts in flight, if it said. */
    getReceiveMaximum(): number | undefined {
        return this.receiveMaximum;
    }
    /** The highest QoS the server accepts, if it said. */
    getMaximumQOS(): p.QoS | undefined {
        return this.maximumQos;
    }
    /** Whether the server supports retained messages, if it said. */
    getRetainAvailable(): boolean | undefined {
        return this.retainAvailable;
    }
    /** The largest packet the server accepts, in bytes, if it said. */
    getMaximumPacketSize(): number | undefined {
        return this.maximumPacketSize;
    }
    /** The client id the server assigned, when the CONNECT had none. */
    getAssignedClientIdentifier(): string | undefined {
        return this.assignedClientIdentifier;
    }
    /** The highest topic alias the server accepts from the client, if it said. */
    getTopicAliasMaximum(): number | undefined {
        return this.topicAliasMaximum;
    }
    /** The server's diagnostic text, if any. */
    getReasonString(): string | undefined {
        return this.reasonString;
    }
    /** The user properties (empty when none); C++ spells it `getUserProperty`. */
    getUserProperty(): p.UserProperty[] {
        return this.userProperties ?? [];
    }
    /** The user properties (empty when none). */
    getUserProperties(): p.UserProperty[] {
        return this.userProperties ?? [];
    }
    /** Whether the server supports wildcard subscriptions, if it said. */
    getWildcardSubscriptionsAvailable(): boolean | undefined {
        return this.wildcardSubscriptionsAvailable;
    }
    /** Whether the server supports subscription identifiers, if it said. */
    getSubscriptionIdentifiersAvailable(): boolean | undefined {
        return this.subscriptionIdentifiersAvailable;
    }
    /** Whether the server supports shared subscriptions, if it said. */
    getSharedSubscriptionsAvailable(): boolean | undefined {
        return this.sharedSubscriptionsAvailable;
    }
    /** The keep-alive the server imposes, in seconds, if it sent one. */
    getServerKeepAliveSec(): number | undefined {
        return this.serverKeepAlive;
    }
    /** @deprecated C++'s older name of {@link getServerKeepAliveSec}. */
    getServerKeepAlive(): number | undefined {
        return this.serverKeepAlive;
    }
    /** The response information the server sent, if any. */
    getResponseInformation(): string | undefined {
        return this.responseInformation;
    }
    /** Another server to use, if the server named one. */
    getServerReference(): string | undefined {
        return this.serverReference;
    }
}

/** C++ `NegotiatedSettings`: what is in force on this connection. */
export class NegotiatedSettings implements t.NegotiatedSettings {
    declare maximumQos: p.QoS;
    declare sessionExpiryInterval: number;
    declare receiveMaximumFromServer: number;
    declare maximumPacketSizeToServer: number;
    declare topicAliasMaximumToServer: number;
    declare topicAliasMaximumToClient: number;
    declare serverKeepAlive: number;
    declare retainAvailable: boolean;
    declare wildcardSubscriptionsAvailable: boolean;
    declare subscriptionIdentifiersAvailable: boolean;
    declare sharedSubscriptionsAvailable: boolean;
    declare rejoinedSession: boolean;
    declare clientId: string;

    /** The highest QoS publishes may use. */
    getMaximumQOS(): p.QoS {
        return this.maximumQos;
    }
    /** How long, in seconds, the server keeps the session after a disconnection. */
    getSessionExpiryIntervalSec(): number {
        return this.sessionExpiryInterval;
    }
    /** How many QoS 1 publishes may be in flight to the server. */
    getReceiveMaximumFromServer(): number {
        return this.receiveMaximumFromServer;
    }
    /** The largest packet the server accepts, in bytes. */
    getMaximumPacketSizeToServer(): number {
        return this.maximumPacketSizeToServer;
    }
    /** @deprecated C++'s older name of {@link getMaximumPacketSizeToServer}. */
    getMaximumPacketSizeBytes(): number {
        return this.maximumPacketSizeToServer;
    }
    /** The highest topic alias the client may send. */
    getTopicAliasMaximumToServer(): number {
        return this.topicAliasMaximumToServer;
    }
    /** The highest topic alias the server may send. */
    getTopicAliasMaximumToClient(): number {
        return this.topicAliasMaximumToClient;
    }
    /** The keep-alive interval in force, in seconds. */
    getServerKeepAliveSec(): number {
        return this.serverKeepAlive;
    }
    /** @deprecated C++'s older name of {@link getServerKeepAliveSec}. */
    getServerKeepAlive(): number {
        return this.serverKeepAlive;
    }
    /** Whether the server supports retained messages. */
    getRetainAvailable(): boolean {
        return this.retainAvailable;
    }
    /** Whether the server supports wildcard subscriptions. */
    getWildcardSubscriptionsAvailable(): boolean {
        return this.wildcardSubscriptionsAvailable;
    }
    /** Whether the server supports subscription identifiers. */
    getSubscriptionIdentifiersAvailable(): boolean {
        return this.subscriptionIdentifiersAvailable;
    }
    /** Whether the server supports shared subscriptions. */
    getSharedSubscriptionsAvailable(): boolean {
        return this.sharedSubscriptionsAvailable;
    }
    /** True when the server resumed an existing session. */
    getRejoinedSession(): boolean {
        return this.rejoinedSession;
    }
    /** The client id in use (the server-assigned one if the CONNECT had none). */
    getClientId(): string {
        return this.clientId;
    }
}

/**
 * C++ `PublishResult`: how a publish ended, for `publish(packet, (client, errorCode, result) =>
 * ...)`. `wasSuccessful()` means the publish completed (for QoS 1 a PUBACK arrived: check its
 * reason code); `getAck()` is that PUBACK, or null for QoS 0 and for failures.
 */
export class PublishResult {
    /** The PUBACK (QoS 1), else null. */
    readonly ack: PubAckPacket | null;
    /** 0, or the CRT error code that failed the publish. */
    readonly errorCode: number;
    /** The error behind a non-zero {@link errorCode} (a CrtError, or the TypeError/RangeError naming a bad field). */
    readonly error: Error | undefined;

    /**
     * @param ack the PUBACK, for a completed QoS 1 publish
     * @param errorCode 0, or the CRT error code of a failure
     * @param error the error behind a failure
     */
    constructor(ack: PubAckPacket | null = null, errorCode = 0, error?: Error) {
        this.ack = ack;
        this.errorCode = errorCode;
        this.error = error;
    }
    /** The PUBACK of a QoS 1 publish; null for QoS 0 or a failed publish. */
    getAck(): PubAckPacket | null {
        return this.ack;
    }
    /** True if the publish completed (a QoS 1 publish may still have a failing PUBACK reason code). */
    wasSuccessful(): boolean {
        return this.errorCode === 0;
    }
    /** 0, or the CRT error code of the failure. */
    getErrorCode(): number {
        return this.errorCode;
    }
}

// ---- giving the native layer's plain packets their classes ------------------------------------

/** A packet object from the native layer, now an instance of `cls` (same object, same fields). @internal */
export function adopt<T>(packet: object, cls: { prototype: T }): T {
    Object.setPrototypeOf(packet, cls.prototype as object);
    return packet as T;
}

/** A received PUBLISH, as the C++ `PublishPacket` class (with its getters), unless it is one already. @internal */
export function asPublishPacket(packet: p.PublishPacket): PublishPacket {
    return packet instanceof PublishPacket ? packet : adopt(packet, PublishPacket);
}

/**
 * Builds the received PUBLISH of the hot path: the same own fields, in the same order, as the
 * object literal it replaces, with the C++ `PublishPacket` getters on its prototype.
 * @internal
 */
export const ReceivedPublishPacket = function ReceivedPublishPacket(
    this: p.PublishPacket,
    payload: unknown,
    qos: p.QoS,
    retain: boolean,
    topicName: string,
) {
    this.type = PacketType.Publish;
    this.payload = payload as p.Payload;
    this.qos = qos as p.SupportedQoS;
    this.retain = retain;
    this.topicName = topicName;
} as unknown as new (
    payload: unknown,
    qos: p.QoS,
    retain: boolean,
    topicName: string,
) => PublishPacket;
ReceivedPublishPacket.prototype = PublishPacket.prototype;
