/**
 * The C++ SDK's packet classes (`Aws::Crt::Mqtt5::PublishPacket`, ...), in camelCase. Each is
 * usable wherever the plain packet object is (it has the same fields), so both styles share one
 * client: `client.publish(new PublishPacket('a/b', 'hi', QoS.AtLeastOnce).withRetain(true))`.
 */
import type * as p from './mqtt5_packet';
import { PacketType, QoS } from './mqtt5_packet';

/** A name/value pair (C++ `UserProperty`). */
export class UserProperty implements p.UserProperty {
    constructor(public name: string, public value: string) {}
    getName(): string {
        return this.name;
    }
    getValue(): string {
        return this.value;
    }
}

/** C++ `PublishPacket(topic, payload, qos)`. */
export class PublishPacket implements p.PublishPacket {
    readonly type = PacketType.Publish;
    topicName: string;
    payload?: p.Payload;
    qos: QoS;
    retain?: boolean;
    payloadFormat?: p.PayloadFormatIndicator;
    messageExpiryIntervalSeconds?: number;
    topicAlias?: number;
    responseTopic?: string;
    correlationData?: p.BinaryData | string;
    subscriptionIdentifiers?: number[];
    contentType?: string;
    userProperties?: p.UserProperty[];

    constructor(topic = '', payload?: p.Payload, qos: QoS = QoS.AtMostOnce) {
        this.topicName = topic;
        if (payload !== undefined) this.payload = payload;
        this.qos = qos;
    }
    /** A packet class holding the fields of a plain PUBLISH object (e.g. a received message). */
    static from(packet: p.PublishPacket): PublishPacket {
        return Object.assign(new PublishPacket(), packet);
    }
    withPayload(payload: p.Payload): this { this.payload = payload; return this; }
    withQOS(qos: QoS): this { this.qos = qos; return this; }
    withRetain(retain: boolean): this { this.retain = retain; return this; }
    withTopic(topic: string): this { this.topicName = topic; return this; }
    withPayloadFormatIndicator(format: p.PayloadFormatIndicator): this { this.payloadFormat = format; return this; }
    withMessageExpiryIntervalSec(seconds: number): this { this.messageExpiryIntervalSeconds = seconds; return this; }
    withTopicAlias(alias: number): this { this.topicAlias = alias; return this; }
    withResponseTopic(topic: string): this { this.responseTopic = topic; return this; }
    withCorrelationData(data: p.BinaryData | string): this { this.correlationData = data; return this; }
    withContentType(contentType: string): this { this.contentType = contentType; return this; }
    withUserProperties(properties: p.UserProperty[]): this { this.userProperties = [...properties]; return this; }
    withUserProperty(property: p.UserProperty): this { (this.userProperties ??= []).push(property); return this; }
    getType(): PacketType { return this.type; }
    getPayload(): p.Payload | undefined { return this.payload; }
    getQOS(): QoS { return this.qos; }
    getRetain(): boolean { return this.retain ?? false; }
    getTopic(): string { return this.topicName; }
    getPayloadFormatIndicator(): p.PayloadFormatIndicator | undefined { return this.payloadFormat; }
    getMessageExpiryIntervalSec(): number | undefined { return this.messageExpiryIntervalSeconds; }
    getTopicAlias(): number | undefined { return this.topicAlias; }
    getResponseTopic(): string | undefined { return this.responseTopic; }
    getCorrelationData(): p.BinaryData | string | undefined { return this.correlationData; }
    getSubscriptionIdentifiers(): number[] | undefined { return this.subscriptionIdentifiers; }
    getContentType(): string | undefined { return this.contentType; }
    getUserProperties(): p.UserProperty[] | undefined { return this.userProperties; }
}

/** C++ `ConnectPacket` (keep-alive defaults to 1200 s, as there). */
export class ConnectPacket implements p.ConnectPacket {
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

    withKeepAliveIntervalSec(seconds: number): this { this.keepAliveIntervalSeconds = seconds; return this; }
    withClientId(clientId: string): this { this.clientId = clientId; return this; }
    withUserName(username: string): this { this.username = username; return this; }
    withPassword(password: p.BinaryData | string): this { this.password = password; return this; }
    withSessionExpiryIntervalSec(seconds: number): this { this.sessionExpiryIntervalSeconds = seconds; return this; }
    withRequestResponseInformation(request: boolean): this { this.requestResponseInformation = request; return this; }
    withRequestProblemInformation(request: boolean): this { this.requestProblemInformation = request; return this; }
    withReceiveMaximum(maximum: number): this { this.receiveMaximum = maximum; return this; }
    withMaximumPacketSizeBytes(bytes: number): this { this.maximumPacketSizeBytes = bytes; return this; }
    withWillDelayIntervalSec(seconds: number): this { this.willDelayIntervalSeconds = seconds; return this; }
    withWill(will: p.PublishPacket): this { this.will = will; return this; }
    withUserProperties(properties: p.UserProperty[]): this { this.userProperties = [...properties]; return this; }
    withUserProperty(property: p.UserProperty): this { (this.userProperties ??= []).push(property); return this; }
    getType(): PacketType { return this.type; }
    getKeepAliveIntervalSec(): number { return this.keepAliveIntervalSeconds; }
    getClientId(): string | undefined { return this.clientId; }
    getUsername(): string | undefined { return this.username; }
    getPassword(): p.BinaryData | string | undefined { return this.password; }
    getSessionExpiryIntervalSec(): number | undefined { return this.sessionExpiryIntervalSeconds; }
    getRequestResponseInformation(): boolean | undefined { return this.requestResponseInformation; }
    getRequestProblemInformation(): boolean | undefined { return this.requestProblemInformation; }
    getReceiveMaximum(): number | undefined { return this.receiveMaximum; }
    getMaximumPacketSizeToServer(): number | undefined { return this.maximumPacketSizeBytes; }
    getWillDelayIntervalSec(): number | undefined { return this.willDelayIntervalSeconds; }
    getWill(): p.PublishPacket | undefined { return this.will; }
    getUserProperties(): p.UserProperty[] | undefined { return this.userProperties; }
}

/** C++ `DisconnectPacket`. */
export class DisconnectPacket implements p.DisconnectPacket {
    readonly type = PacketType.Disconnect;
    reasonCode: p.DisconnectReasonCode = 0;
    sessionExpiryIntervalSeconds?: number;
    reasonString?: string;
    serverReference?: string;
    userProperties?: p.UserProperty[];

    withReasonCode(code: p.DisconnectReasonCode): this { this.reasonCode = code; return this; }
    withSessionExpiryIntervalSec(seconds: number): this { this.sessionExpiryIntervalSeconds = seconds; return this; }
    withReasonString(reason: string): this { this.reasonString = reason; return this; }
    withServerReference(reference: string): this { this.serverReference = reference; return this; }
    withUserProperties(properties: p.UserProperty[]): this { this.userProperties = [...properties]; return this; }
    withUserProperty(property: p.UserProperty): this { (this.userProperties ??= []).push(property); return this; }
    getType(): PacketType { return this.type; }
    getReasonCode(): p.DisconnectReasonCode { return this.reasonCode; }
    getSessionExpiryIntervalSec(): number | undefined { return this.sessionExpiryIntervalSeconds; }
    getReasonString(): string | undefined { return this.reasonString; }
    getServerReference(): string | undefined { return this.serverReference; }
    getUserProperties(): p.UserProperty[] | undefined { return this.userProperties; }
}

/** C++ `Subscription(topicFilter, qos)`. */
export class Subscription implements p.Subscription {
    topicFilter: string;
    qos: QoS;
    noLocal?: boolean;
    retainAsPublished?: boolean;
    retainHandlingType?: p.RetainHandlingType;

    constructor(topicFilter = '', qos: QoS = QoS.AtMostOnce) {
        this.topicFilter = topicFilter;
        this.qos = qos;
    }
    withTopicFilter(filter: string): this { this.topicFilter = filter; return this; }
    withQOS(qos: QoS): this { this.qos = qos; return this; }
    withNoLocal(noLocal: boolean): this { this.noLocal = noLocal; return this; }
    withRetainAsPublished(retain: boolean): this { this.retainAsPublished = retain; return this; }
    /** @deprecated C++'s old name for {@link withRetainAsPublished}. */
    withRetain(retain: boolean): this { return this.withRetainAsPublished(retain); }
    withRetainHandlingType(type: p.RetainHandlingType): this { this.retainHandlingType = type; return this; }
}

/** C++ `SubscribePacket`. */
export class SubscribePacket implements p.SubscribePacket {
    readonly type = PacketType.Subscribe;
    subscriptions: p.Subscription[] = [];
    subscriptionIdentifier?: number;
    userProperties?: p.UserProperty[];

    withSubscriptions(subscriptions: p.Subscription[]): this { this.subscriptions = [...subscriptions]; return this; }
    withSubscription(subscription: p.Subscription): this { this.subscriptions.push(subscription); return this; }
    withSubscriptionIdentifier(id: number): this { this.subscriptionIdentifier = id; return this; }
    withUserProperties(properties: p.UserProperty[]): this { this.userProperties = [...properties]; return this; }
    withUserProperty(property: p.UserProperty): this { (this.userProperties ??= []).push(property); return this; }
    getType(): PacketType { return this.type; }
}

/** C++ `UnsubscribePacket`. */
export class UnsubscribePacket implements p.UnsubscribePacket {
    readonly type = PacketType.Unsubscribe;
    topicFilters: string[] = [];
    userProperties?: p.UserProperty[];

    withTopicFilter(filter: string): this { this.topicFilters.push(filter); return this; }
    withTopicFilters(filters: string[]): this { this.topicFilters = [...filters]; return this; }
    withUserProperties(properties: p.UserProperty[]): this { this.userProperties = [...properties]; return this; }
    withUserProperty(property: p.UserProperty): this { (this.userProperties ??= []).push(property); return this; }
    getType(): PacketType { return this.type; }
}
