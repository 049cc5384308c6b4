/**
 * The C++ SDK's packet classes (`Aws::Crt::Mqtt5::PublishPacket`, ...), in camelCase. Each is
 * usable wherever the plain packet object is (it has the same fields), so both styles share one
 * client: `client.publish(new PublishPacket('a/b', 'hi', QoS.AtLeastOnce).withRetain(true))`.
 */
import type * as p from './mqtt5_packet';
import { PacketType, QoS, type SupportedQoS } from './mqtt5_packet';
import { PacketWithUserProperties } from './packet_user_properties';

/** A name/value pair (C++ `UserProperty`). */
export class UserProperty implements p.UserProperty {
    constructor(
        public name: string,
        public value: string,
    ) {}
    /** The property name. */
    getName(): string {
        return this.name;
    }
    /** The property value. */
    getValue(): string {
        return this.value;
    }
}

/** C++ `PublishPacket(topic, payload, qos)`. */
export class PublishPacket extends PacketWithUserProperties implements p.PublishPacket {
    readonly type = PacketType.Publish;
    topicName: string;
    payload?: p.Payload;
    qos: SupportedQoS;
    retain?: boolean;
    payloadFormat?: p.PayloadFormatIndicator;
    messageExpiryIntervalSeconds?: number;
    topicAlias?: number;
    responseTopic?: string;
    correlationData?: p.BinaryData;
    subscriptionIdentifiers?: number[];
    contentType?: string;
    userProperties?: p.UserProperty[];

    constructor(topic = '', payload?: p.Payload, qos: SupportedQoS = QoS.AtMostOnce) {
        super();
        this.topicName = topic;
        if (payload !== undefined) this.payload = payload;
        this.qos = qos;
    }
    /** A packet class holding the fields of a plain PUBLISH object (e.g. a received message). */
    static from(packet: p.PublishPacket): PublishPacket {
        return Object.assign(new PublishPacket(), packet);
    }
    /** Sets the message body (string, JSON-serializable object or binary data). */
    withPayload(payload: p.Payload): this {
        this.payload = payload;
        return this;
    }
    /** Sets the delivery QoS (0 or 1; QoS 2 is not supported by the client). */
    withQOS(qos: SupportedQoS): this {
        this.qos = qos;
        return this;
    }
    /** Sets whether the server keeps this message as the topic's retained message. */
    withRetain(retain: boolean): this {
        this.retain = retain;
        return this;
    }
    /** Sets the topic the message is published to. */
    withTopic(topic: string): this {
        this.topicName = topic;
        return this;
    }
    /** Declares the payload as binary (`Bytes`) or UTF-8 text (`Utf8`). */
    withPayloadFormatIndicator(format: p.PayloadFormatIndicator): this {
        this.payloadFormat = format;
        return this;
    }
    /** Sets how long, in seconds, the server may hold the message undelivered before discarding it. */
    withMessageExpiryIntervalSec(seconds: number): this {
        this.messageExpiryIntervalSeconds = seconds;
        return this;
    }
    /** Sets the topic alias (used only with manual outbound topic aliasing). */
    withTopicAlias(alias: number): this {
        this.topicAlias = alias;
        return this;
    }
    /** Sets the topic on which the receiver should publish its response. */
    withResponseTopic(topic: string): this {
        this.responseTopic = topic;
        return this;
    }
    /** Sets the data that pairs a response with its request; a string is sent as UTF-8. */
    withCorrelationData(data: p.BinaryData | string): this {
        this.correlationData = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
        return this;
    }
    /** Sets an application-defined description of the payload (for example a MIME type). */
    withContentType(contentType: string): this {
        this.contentType = contentType;
        return this;
    }
    /** The packet type (always `PacketType.Publish`). */
    getType(): PacketType {
        return this.type;
    }
    /** The message body, if any (a Buffer on received messages). */
    getPayload(): p.Payload | undefined {
        return this.payload;
    }
    /** The delivery QoS. */
    getQOS(): SupportedQoS {
        return this.qos;
    }
    /** Whether the retain flag is set (false when unset). */
    getRetain(): boolean {
        return this.retain ?? false;
    }
    /** The topic name. */
    getTopic(): string {
        return this.topicName;
    }
    /** The payload format indicator, if set. */
    getPayloadFormatIndicator(): p.PayloadFormatIndicator | undefined {
        return this.payloadFormat;
    }
    /** The message expiry interval in seconds, if set. */
    getMessageExpiryIntervalSec(): number | undefined {
        return this.messageExpiryIntervalSeconds;
    }
    /** The topic alias, if set. */
    getTopicAlias(): number | undefined {
        return this.topicAlias;
    }
    /** The response topic, if set. */
    getResponseTopic(): string | undefined {
        return this.responseTopic;
    }
    /** The correlation data, if set (a Buffer on received messages). */
    getCorrelationData(): p.BinaryData | string | undefined {
        return this.correlationData;
    }
    /** Identifiers of the subscriptions that matched (received messages only). */
    getSubscriptionIdentifiers(): number[] | undefined {
        return this.subscriptionIdentifiers;
    }
    /** The content type, if set. */
    getContentType(): string | undefined {
        return this.contentType;
    }
    /** The user properties, if any. */
    getUserProperties(): p.UserProperty[] | undefined {
        return this.userProperties;
    }
}

/** C++ `ConnectPacket` (keep-alive defaults to 1200 s, as there). */
export class ConnectPacket extends PacketWithUserProperties implements p.ConnectPacket {
    readonly type = PacketType.Connect;
    keepAliveIntervalSeconds = 1200;
    clientId?: string;
    username?: string;
    password?: p.BinaryData | string;
    sessionExpiryIntervalSeconds?: number;
    requestResponseInformation?: boolean;
    requestProblemInformation?: boolean;
    receiveMaximum?: number;
    maximumPacketSizeBytes?: number;
    willDelayIntervalSeconds?: number;
    will?: p.PublishPacket;
    userProperties?: p.UserProperty[];

    /** Sets the keep-alive interval in seconds (default 1200; 0 disables keep-alive). */
    withKeepAliveIntervalSec(seconds: number): this {
        this.keepAliveIntervalSeconds = seconds;
        return this;
    }
    /** Sets the client identifier; leave unset or empty to have the server assign one. */
    withClientId(clientId: string): this {
        this.clientId = clientId;
        return this;
    }
    /** Sets the user name sent for authentication. */
    withUserName(username: string): this {
        this.username = username;
        return this;
    }
    /** Sets the password sent for authentication; a string is sent as UTF-8. */
    withPassword(password: p.BinaryData | string): this {
        this.password = password;
        return this;
    }
    /** Sets how long, in seconds, the server keeps session state after disconnection (0: none). */
    withSessionExpiryIntervalSec(seconds: number): this {
        this.sessionExpiryIntervalSeconds = seconds;
        return this;
    }
    /** Asks the server to return response information in the CONNACK. */
    withRequestResponseInformation(request: boolean): this {
        this.requestResponseInformation = request;
        return this;
    }
    /** Asks the server to include reason strings and user properties on failures. */
    withRequestProblemInformation(request: boolean): this {
        this.requestProblemInformation = request;
        return this;
    }
    /** Sets how many QoS 1+ publishes the server may have unacknowledged to this client at once. */
    withReceiveMaximum(maximum: number): this {
        this.receiveMaximum = maximum;
        return this;
    }
    /** Sets the largest packet, in bytes, the client is willing to receive. */
    withMaximumPacketSizeBytes(bytes: number): this {
        this.maximumPacketSizeBytes = bytes;
        return this;
    }
    /** Sets the delay, in seconds, before the server publishes the will after an unexpected disconnect. */
    withWillDelayIntervalSec(seconds: number): this {
        this.willDelayIntervalSeconds = seconds;
        return this;
    }
    /** Sets the will message the server publishes if the client disconnects unexpectedly. */
    withWill(will: p.PublishPacket): this {
        this.will = will;
        return this;
    }
    /** The packet type (always `PacketType.Connect`). */
    getType(): PacketType {
        return this.type;
    }
    /** The keep-alive interval in seconds. */
    getKeepAliveIntervalSec(): number {
        return this.keepAliveIntervalSeconds;
    }
    /** The client identifier, if set. */
    getClientId(): string | undefined {
        return this.clientId;
    }
    /** The user name, if set. */
    getUsername(): string | undefined {
        return this.username;
    }
    /** The password, if set. */
    getPassword(): p.BinaryData | string | undefined {
        return this.password;
    }
    /** The session expiry interval in seconds, if set. */
    getSessionExpiryIntervalSec(): number | undefined {
        return this.sessionExpiryIntervalSeconds;
    }
    /** Whether response information is requested, if set. */
    getRequestResponseInformation(): boolean | undefined {
        return this.requestResponseInformation;
    }
    /** Whether problem information is requested, if set. */
    getRequestProblemInformation(): boolean | undefined {
        return this.requestProblemInformation;
    }
    /** The receive maximum, if set. */
    getReceiveMaximum(): number | undefined {
        return this.receiveMaximum;
    }
    /** The maximum packet size in bytes the client accepts, if set (the value of `maximumPacketSizeBytes`). */
    getMaximumPacketSizeToServer(): number | undefined {
        return this.maximumPacketSizeBytes;
    }
    /** The will delay interval in seconds, if set. */
    getWillDelayIntervalSec(): number | undefined {
        return this.willDelayIntervalSeconds;
    }
    /** The will message, if set. */
    getWill(): p.PublishPacket | undefined {
        return this.will;
    }
    /** The user properties, if any. */
    getUserProperties(): p.UserProperty[] | undefined {
        return this.userProperties;
    }
}

/** C++ `DisconnectPacket`. */
export class DisconnectPacket extends PacketWithUserProperties implements p.DisconnectPacket {
    readonly type = PacketType.Disconnect;
    reasonCode: p.DisconnectReasonCode = 0;
    sessionExpiryIntervalSeconds?: number;
    reasonString?: string;
    serverReference?: string;
    userProperties?: p.UserProperty[];

    /** Sets the reason for disconnecting (default NormalDisconnection). */
    withReasonCode(code: p.DisconnectReasonCode): this {
        this.reasonCode = code;
        return this;
    }
    /** Updates the session expiry interval, in seconds, as the connection closes. */
    withSessionExpiryIntervalSec(seconds: number): this {
        this.sessionExpiryIntervalSeconds = seconds;
        return this;
    }
    /** Sets a human-readable reason for the disconnection. */
    withReasonString(reason: string): this {
        this.reasonString = reason;
        return this;
    }
    /** Sets the other server the client should use (meaningful only from a server). */
    withServerReference(reference: string): this {
        this.serverReference = reference;
        return this;
    }
    /** The packet type (always `PacketType.Disconnect`). */
    getType(): PacketType {
        return this.type;
    }
    /** The disconnect reason code. */
    getReasonCode(): p.DisconnectReasonCode {
        return this.reasonCode;
    }
    /** The updated session expiry interval in seconds, if set. */
    getSessionExpiryIntervalSec(): number | undefined {
        return this.sessionExpiryIntervalSeconds;
    }
    /** The reason string, if set. */
    getReasonString(): string | undefined {
        return this.reasonString;
    }
    /** The server reference, if set. */
    getServerReference(): string | undefined {
        return this.serverReference;
    }
    /** The user properties, if any. */
    getUserProperties(): p.UserProperty[] | undefined {
        return this.userProperties;
    }
}

/** C++ `Subscription(topicFilter, qos)`. */
export class Subscription implements p.Subscription {
    topicFilter: string;
    qos: SupportedQoS;
    noLocal?: boolean;
    retainAsPublished?: boolean;
    retainHandlingType?: p.RetainHandlingType;

    constructor(topicFilter = '', qos: SupportedQoS = QoS.AtMostOnce) {
        this.topicFilter = topicFilter;
        this.qos = qos;
    }
    /** Sets the topic filter (may contain `+`/`#` wildcards or a `$share/` prefix). */
    withTopicFilter(filter: string): this {
        this.topicFilter = filter;
        return this;
    }
    /** Sets the highest QoS at which matching messages are delivered. */
    withQOS(qos: SupportedQoS): this {
        this.qos = qos;
        return this;
    }
    /** When true, the client's own publishes are not delivered back to it. */
    withNoLocal(noLocal: boolean): this {
        this.noLocal = noLocal;
        return this;
    }
    /** When true, delivered messages keep the retain flag they were published with. */
    withRetainAsPublished(retain: boolean): this {
        this.retainAsPublished = retain;
        return this;
    }
    /** @deprecated C++'s old name for {@link withRetainAsPublished}. */
    withRetain(retain: boolean): this {
        return this.withRetainAsPublished(retain);
    }
    /** Sets whether retained messages are sent when the subscription is made. */
    withRetainHandlingType(type: p.RetainHandlingType): this {
        this.retainHandlingType = type;
        return this;
    }
}

/** C++ `SubscribePacket`. */
export class SubscribePacket extends PacketWithUserProperties implements p.SubscribePacket {
    readonly type = PacketType.Subscribe;
    subscriptions: p.Subscription[] = [];
    subscriptionIdentifier?: number;
    userProperties?: p.UserProperty[];

    /** Replaces the subscriptions with a copy of `subscriptions`. */
    withSubscriptions(subscriptions: p.Subscription[]): this {
        this.subscriptions = [...subscriptions];
        return this;
    }
    /** Appends one subscription. */
    withSubscription(subscription: p.Subscription): this {
        this.subscriptions.push(subscription);
        return this;
    }
    /** Sets the identifier echoed back on messages matching these subscriptions. */
    withSubscriptionIdentifier(id: number): this {
        this.subscriptionIdentifier = id;
        return this;
    }
    /** The packet type (always `PacketType.Subscribe`). */
    getType(): PacketType {
        return this.type;
    }
}

/** C++ `UnsubscribePacket`. */
export class UnsubscribePacket extends PacketWithUserProperties implements p.UnsubscribePacket {
    readonly type = PacketType.Unsubscribe;
    topicFilters: string[] = [];
    userProperties?: p.UserProperty[];

    /** Appends one topic filter to unsubscribe from. */
    withTopicFilter(filter: string): this {
        this.topicFilters.push(filter);
        return this;
    }
    /** Replaces the topic filters with a copy of `filters`. */
    withTopicFilters(filters: string[]): this {
        this.topicFilters = [...filters];
        return this;
    }
    /** The packet type (always `PacketType.Unsubscribe`). */
    getType(): PacketType {
        return this.type;
    }
}
