/**
 * MQTT5 packet model: the enums, type aliases and packet interfaces exchanged with an
 * MQTT5 client. Shapes and numeric values mirror aws-crt-nodejs's `mqtt5` packet module,
 * whose numeric values in turn match the enums of the native aws-c-mqtt library.
 *
 * @packageDocumentation
 */

/* ------------------------------------------------------------------------------------------------
 * Reason codes
 * --------------------------------------------------------------------------------------------- */

/**
 * Outcome of a connection attempt, as carried by a CONNACK packet.
 *
 * Values below 128 indicate success (MQTT5) or are MQTT 3.1.1 return codes; values of 128 and
 * above are MQTT5 failures.
 */
export enum ConnectReasonCode {
    /** The server accepted the connection. */
    Success = 0,
    /** MQTT 3.1.1 only: the server does not support the protocol level the client asked for. */
    UnacceptableProtocolVersion311 = 1,
    /** MQTT 3.1.1 only: the client identifier is well-formed UTF-8 but the server refuses it. */
    IdentifierRejected311 = 2,
    /** MQTT 3.1.1 only: the network connection succeeded but the MQTT service is not available. */
    ServerUnavailable311 = 3,
    /** MQTT 3.1.1 only: the supplied user name or password is malformed. */
    BadUsernameOrPassword311 = 4,
    /** MQTT 3.1.1 only: the client is not permitted to connect. */
    NotAuthorized311 = 5,
    /** aws-crt's name for {@link IdentifierRejected311}. */
    // biome-ignore lint/suspicious/noDuplicateEnumValues: aws-crt's name for the same code
    ClientIdRejected311 = 2,
    /** aws-crt's name for {@link BadUsernameOrPassword311}. */
    InvalidUsernameOrPassword311 = 4,
    /** The server refused the connection and chose not to give a more specific reason. */
    UnspecifiedError = 128,
    /** The server could not parse the CONNECT packet. */
    MalformedPacket = 129,
    /** The CONNECT packet was well-formed but broke a rule of the protocol. */
    ProtocolError = 130,
    /** The CONNECT packet was valid but the server's own policy rejected it. */
    ImplementationSpecificError = 131,
    /** The server does not speak the protocol version the client requested. */
    UnsupportedProtocolVersion = 132,
    /** The client identifier is valid UTF-8 but is not acceptable to the server. */
    ClientIdentifierNotValid = 133,
    /** The server did not accept the user name or password. */
    BadUsernameOrPassword = 134,
    /** The client lacks permission to connect. */
    NotAuthorized = 135,
    /** The MQTT service is not available at the moment. */
    ServerUnavailable = 136,
    /** The server is too busy to accept the connection; try again later. */
    ServerBusy = 137,
    /** The client has been barred by an administrative decision. */
    Banned = 138,
    /** The requested authentication method is not supported or does not match the one in use. */
    BadAuthenticationMethod = 140,
    /** The will topic is well-formed but not accepted by the server. */
    TopicNameInvalid = 144,
    /** The CONNECT packet is larger than the server allows. */
    PacketTooLarge = 149,
    /** A limit set by the implementation or an administrator has been exceeded. */
    QuotaExceeded = 151,
    /** The will payload does not match the payload format indicator that was given. */
    PayloadFormatInvalid = 153,
    /** A retained will was requested but the server does not support retained messages. */
    RetainNotSupported = 154,
    /** The will QoS is higher than the server supports. */
    QosNotSupported = 155,
    /** The client should temporarily use a different server (see `serverReference`). */
    UseAnotherServer = 156,
    /** The client should permanently switch to a different server (see `serverReference`). */
    ServerMoved = 157,
    /** The client is connecting too often and has exceeded the permitted rate. */
    ConnectionRateExceeded = 159,
}

/**
 * Reason a connection is being closed, as carried by a DISCONNECT packet sent by either side.
 */
export enum DisconnectReasonCode {
    /** Orderly shutdown; the will message (if any) is discarded. */
    NormalDisconnection = 0,
    /** Client-side only: close the connection but ask the server to publish the will message. */
    DisconnectWithWillMessage = 4,
    /** The connection is being closed without a more specific reason. */
    UnspecifiedError = 128,
    /** A packet received from the peer could not be parsed. */
    MalformedPacket = 129,
    /** A packet received from the peer broke a protocol rule. */
    ProtocolError = 130,
    /** A packet was valid but the sender's policy does not allow it. */
    ImplementationSpecificError = 131,
    /** Server-side only: the request was not authorized. */
    NotAuthorized = 135,
    /** Server-side only: the server is too busy to serve this client. */
    ServerBusy = 137,
    /** Server-side only: the server is going down. */
    ServerShuttingDown = 139,
    /** Server-side only: no packet arrived within 1.5 times the keep-alive interval. */
    KeepAliveTimeout = 141,
    /** Server-side only: a newer connection with the same client identifier has replaced this one. */
    SessionTakenOver = 142,
    /** Server-side only: a topic filter is well-formed but not accepted by the server. */
    TopicFilterInvalid = 143,
    /** A topic name is well-formed but not accepted by the receiver. */
    TopicNameInvalid = 144,
    /** The peer had more unacknowledged QoS 1+ publishes in flight than its receive maximum allows. */
    ReceiveMaximumExceeded = 147,
    /** A received topic alias was zero or larger than the advertised topic alias maximum. */
    TopicAliasInvalid = 148,
    /** A packet exceeded the receiver's maximum packet size. */
    PacketTooLarge = 149,
    /** Messages are arriving faster than the receiver will accept. */
    MessageRateTooHigh = 150,
    /** A limit set by the implementation or an administrator has been exceeded. */
    QuotaExceeded = 151,
    /** The connection is being closed because of an administrative action. */
    AdministrativeAction = 152,
    /** A payload did not match its payload format indicator. */
    PayloadFormatInvalid = 153,
    /** Server-side only: retained messages are not supported. */
    RetainNotSupported = 154,
    /** Server-side only: the client used a QoS above the server's maximum. */
    QosNotSupported = 155,
    /** Server-side only: the client should temporarily use a different server. */
    UseAnotherServer = 156,
    /** Server-side only: the client should permanently switch to a different server. */
    ServerMoved = 157,
    /** Server-side only: shared subscriptions are not supported. */
    SharedSubscriptionsNotSupported = 158,
    /** Server-side only: the connection rate limit has been exceeded. */
    ConnectionRateExceeded = 159,
    /** Server-side only: the connection has been open for longer than the server permits. */
    MaximumConnectTime = 160,
    /** Server-side only: subscription identifiers are not supported. */
    SubscriptionIdentifiersNotSupported = 161,
    /** Server-side only: wildcard subscriptions are not supported. */
    WildcardSubscriptionsNotSupported = 162,
}

/**
 * Per-subscription outcome reported in a SUBACK packet, one entry per requested subscription.
 */
export enum SubackReasonCode {
    /** Subscription accepted; messages will be delivered with at most QoS 0. */
    GrantedQoS0 = 0,
    /** Subscription accepted; messages will be delivered with at most QoS 1. */
    GrantedQoS1 = 1,
    /** Subscription accepted; messages will be delivered with at most QoS 2. */
    GrantedQoS2 = 2,
    /** MQTT 3.1.1 only: the subscription failed (aws-crt's name; the same value as {@link UnspecifiedError}). */
    Failure311 = 128,
    /** The subscription was refused without a more specific reason. */
    // biome-ignore lint/suspicious/noDuplicateEnumValues: MQTT 5's name of aws-crt's Failure311
    UnspecifiedError = 128,
    /** The subscription was valid but the server's policy rejected it. */
    ImplementationSpecificError = 131,
    /** The client is not permitted to create this subscription. */
    NotAuthorized = 135,
    /** The topic filter is well-formed but not accepted by the server. */
    TopicFilterInvalid = 143,
    /** The packet identifier chosen for the SUBSCRIBE is already in use. */
    PacketIdentifierInUse = 145,
    /** A limit set by the implementation or an administrator has been exceeded. */
    QuotaExceeded = 151,
    /** The filter names a shared subscription, which the server does not support. */
    SharedSubscriptionsNotSupported = 158,
    /** A subscription identifier was supplied, which the server does not support. */
    SubscriptionIdentifiersNotSupported = 161,
    /** The filter contains a wildcard, which the server does not support. */
    WildcardSubscriptionsNotSupported = 162,
}

/**
 * Per-topic-filter outcome reported in an UNSUBACK packet.
 */
export enum UnsubackReasonCode {
    /** The subscription was removed. */
    Success = 0,
    /** Nothing was removed because no matching subscription existed; still counts as success. */
    NoSubscriptionExisted = 17,
    /** The unsubscribe failed without a more specific reason. */
    UnspecifiedError = 128,
    /** The request was valid but the server's policy rejected it. */
    ImplementationSpecificError = 131,
    /** The client is not permitted to unsubscribe from this filter. */
    NotAuthorized = 135,
    /** The topic filter is well-formed but not accepted by the server. */
    TopicFilterInvalid = 143,
    /** The packet identifier chosen for the UNSUBSCRIBE is already in use. */
    PacketIdentifierInUse = 145,
}

/**
 * Outcome of a QoS 1 publish, as carried by a PUBACK packet.
 */
export enum PubackReasonCode {
    /** The message was accepted. */
    Success = 0,
    /** The message was accepted but nobody is currently subscribed to its topic. */
    NoMatchingSubscribers = 16,
    /** The message was refused without a more specific reason. */
    UnspecifiedError = 128,
    /** The publish was valid but the receiver's policy rejected it. */
    ImplementationSpecificError = 131,
    /** The client is not permitted to publish to this topic. */
    NotAuthorized = 135,
    /** The topic name is well-formed but not accepted by the receiver. */
    TopicNameInvalid = 144,
    /** The packet identifier is already in use. */
    PacketIdentifierInUse = 145,
    /** A limit set by the implementation or an administrator has been exceeded. */
    QuotaExceeded = 151,
    /** The payload did not match its payload format indicator. */
    PayloadFormatInvalid = 153,
}

/**
 * Tells whether a CONNACK reason code means the connection was accepted.
 *
 * @param reasonCode - code to check
 * @returns true when the code is below 128
 */
export function isSuccessfulConnectReasonCode(reasonCode: ConnectReasonCode): boolean {
    return reasonCode < 128;
}

/**
 * Tells whether a DISCONNECT reason code denotes an orderly (non-error) shutdown.
 *
 * @param reasonCode - code to check
 * @returns true when the code is below 128
 */
export function isSuccessfulDisconnectReasonCode(reasonCode: DisconnectReasonCode): boolean {
    return reasonCode < 128;
}

/**
 * Tells whether a SUBACK reason code means the subscription was granted.
 *
 * @param reasonCode - code to check
 * @returns true when the code is below 128
 */
export function isSuccessfulSubackReasonCode(reasonCode: SubackReasonCode): boolean {
    return reasonCode < 128;
}

/**
 * Tells whether an UNSUBACK reason code means the unsubscribe succeeded.
 *
 * @param reasonCode - code to check
 * @returns true when the code is below 128
 */
export function isSuccessfulUnsubackReasonCode(reasonCode: UnsubackReasonCode): boolean {
    return reasonCode < 128;
}

/**
 * Tells whether a PUBACK reason code means the publish was accepted.
 *
 * @param reasonCode - code to check
 * @returns true when the code is below 128
 */
export function isSuccessfulPubackReasonCode(reasonCode: PubackReasonCode): boolean {
    return reasonCode < 128;
}

/* ------------------------------------------------------------------------------------------------
 * Other enums
 * --------------------------------------------------------------------------------------------- */

/** Delivery guarantee requested for a message or subscription. */
export enum QoS {
    /** Fire and forget: the message is delivered zero or one times. */
    AtMostOnce = 0,
    /** Acknowledged delivery: the message arrives one or more times. */
    AtLeastOnce = 1,
    /** Four-step handshake so the message arrives exactly once (not supported by the client). */
    ExactlyOnce = 2,
}

/** Whether the server sends retained messages when a subscription is made. */
/** The QoS levels the client supports: QoS 2 (ExactlyOnce) is refused where a QoS is given. */
export type SupportedQoS = QoS.AtMostOnce | QoS.AtLeastOnce;

export enum RetainHandlingType {
    /** Always send matching retained messages when the subscription is established. */
    SendOnSubscribe = 0,
    /** Send matching retained messages only if the subscription did not exist before. */
    SendOnSubscribeIfNew = 1,
    /** Never send retained messages because of this subscription. */
    DontSend = 2,
}

/** Declares how a publish payload should be interpreted. */
export enum PayloadFormatIndicator {
    /** The payload is opaque binary data. */
    Bytes = 0,
    /** The payload is UTF-8 encoded text. */
    Utf8 = 1,
}

/** MQTT control packet types, numbered as in the fixed header. */
export enum PacketType {
    /** Client request to open a session. */
    Connect = 1,
    /** Server reply to CONNECT. */
    Connack = 2,
    /** Application message. */
    Publish = 3,
    /** Acknowledgement of a QoS 1 publish. */
    Puback = 4,
    /** First acknowledgement of a QoS 2 publish. */
    Pubrec = 5,
    /** Release step of a QoS 2 publish. */
    Pubrel = 6,
    /** Final acknowledgement of a QoS 2 publish. */
    Pubcomp = 7,
    /** Client request to add subscriptions. */
    Subscribe = 8,
    /** Server reply to SUBSCRIBE. */
    Suback = 9,
    /** Client request to remove subscriptions. */
    Unsubscribe = 10,
    /** Server reply to UNSUBSCRIBE. */
    Unsuback = 11,
    /** Keep-alive probe from the client. */
    Pingreq = 12,
    /** Server reply to PINGREQ. */
    Pingresp = 13,
    /** Notice that the connection is being closed. */
    Disconnect = 14,
    /** Extended authentication exchange. */
    Auth = 15,
}

/* ------------------------------------------------------------------------------------------------
 * Shared types
 * --------------------------------------------------------------------------------------------- */

/** Application-defined name/value pair attached to a packet (MQTT5 user property). */
export interface UserProperty {
    /** Property name. */
    name: string;
    /** Property value. */
    value: string;
}

/** Raw bytes: an `ArrayBuffer` or any view over one (typed array, `DataView`, Node `Buffer`). */
export type BinaryData = ArrayBuffer | ArrayBufferView;

/**
 * Message body accepted when publishing. Strings are sent as UTF-8, binary data as-is, and plain
 * objects are serialized with `JSON.stringify` by the client before sending.
 */
export type Payload = string | Record<string, unknown> | ArrayBuffer | ArrayBufferView;

/** Fields common to every packet. */
export interface IPacket {
    /** Kind of packet; filled in on packets produced by the client, ignored on input. */
    type?: PacketType;
}

/* ------------------------------------------------------------------------------------------------
 * Packets
 * --------------------------------------------------------------------------------------------- */

/** Settings sent to the server in the CONNECT packet. */
export interface ConnectPacket extends IPacket {
    /** Longest allowed silence, in seconds, before a ping is sent; 0 turns keep-alive off. */
    keepAliveIntervalSeconds: number;
    /** Client identifier; when omitted or empty the server assigns one. */
    clientId?: string;
    /** User name presented for authentication. */
    username?: string;
    /** Password presented for authentication; a string is encoded as UTF-8. */
    password?: BinaryData | string;
    /** Seconds the server keeps session state after disconnection; 0 or omitted ends it at once. */
    sessionExpiryIntervalSeconds?: number;
    /** Asks the server to return response information in the CONNACK. */
    requestResponseInformation?: boolean;
    /** Asks the server to include reason strings and user properties on failures. */
    requestProblemInformation?: boolean;
    /** Most QoS 1+ publishes the client is willing to have unacknowledged at once (omitted: 65,535). */
    receiveMaximum?: number;
    /** Largest packet, in bytes, the client is willing to receive. */
    maximumPacketSizeBytes?: number;
    /** Seconds the server waits after an unexpected disconnect before publishing the will. */
    willDelayIntervalSeconds?: number;
    /** Message the server publishes on the client's behalf if it disconnects unexpectedly. */
    will?: PublishPacket;
    /** Application-defined properties sent with the CONNECT. */
    userProperties?: UserProperty[];
}

/** An application message, either published by the client or delivered to it. */
export interface PublishPacket extends IPacket {
    /** Topic the message is published to. */
    topicName: string;
    /**
     * Message body. On received messages (see `ReceivedPublishPacket`) an ArrayBuffer of exactly
     * the message's bytes.
     */
    payload?: Payload;
    /** Delivery guarantee for this message: 0 or 1 (the client refuses QoS 2, so it does not type-check). */
    qos: SupportedQoS;
    /** Asks the server to keep this message as the topic's retained message. */
    retain?: boolean;
    /** Declares whether the payload is binary or UTF-8 text. */
    payloadFormat?: PayloadFormatIndicator;
    /** Seconds after which the server discards the message if it is still undelivered. */
    messageExpiryIntervalSeconds?: number;
    /** Topic alias number standing in for the topic name (used with manual alias handling). */
    topicAlias?: number;
    /** Topic on which the receiver should publish its response (request/response pattern). */
    responseTopic?: string;
    /**
     * Opaque data that lets a requester match a response to its request (aws-crt's type; a string
     * is still sent as UTF-8 at run time). On received messages an ArrayBuffer.
     */
    correlationData?: BinaryData;
    /**
     * Identifiers of the subscriptions that matched this message. Only set on received messages;
     * ignored when publishing.
     */
    subscriptionIdentifiers?: number[];
    /** Application-defined description of the payload's content (for example a MIME type). */
    contentType?: string;
    /** Application-defined properties carried with the message. */
    userProperties?: UserProperty[];
}

/** Acknowledgement of a QoS 1 publish. */
export interface PubackPacket extends IPacket {
    /** Outcome of the publish. */
    reasonCode: PubackReasonCode;
    /** Human-readable diagnostic text from the receiver. */
    reasonString?: string;
    /** Application-defined properties sent with the acknowledgement. */
    userProperties?: UserProperty[];
}

/** The server's answer to CONNECT, including the limits it imposes on the session. */
export interface ConnackPacket extends IPacket {
    /** True when the server resumed existing session state for this client. */
    sessionPresent: boolean;
    /** Outcome of the connection attempt. */
    reasonCode: ConnectReasonCode;
    /** Session expiry, in seconds, chosen by the server when it overrides the client's value. */
    sessionExpiryInterval?: number;
    /** Most QoS 1+ publishes the server will accept unacknowledged at once. */
    receiveMaximum?: number;
    /** Highest QoS the server supports; absent means all levels are supported. */
    maximumQos?: QoS;
    /** Whether the server supports retained messages; absent means it does. */
    retainAvailable?: boolean;
    /** Largest packet, in bytes, the server will accept. */
    maximumPacketSize?: number;
    /** Client identifier generated by the server when the client did not supply one. */
    assignedClientIdentifier?: string;
    /** Highest topic alias value the server will accept from the client. */
    topicAliasMaximum?: number;
    /** Human-readable diagnostic text from the server. */
    reasonString?: string;
    /** Application-defined properties sent by the server. */
    userProperties?: UserProperty[];
    /** Whether the server supports wildcard subscriptions; absent means it does. */
    wildcardSubscriptionsAvailable?: boolean;
    /** Whether the server supports subscription identifiers; absent means it does. */
    subscriptionIdentifiersAvailable?: boolean;
    /** Whether the server supports shared subscriptions; absent means it does. */
    sharedSubscriptionsAvailable?: boolean;
    /** Keep-alive interval, in seconds, the server requires in place of the client's value. */
    serverKeepAlive?: number;
    /** Basis the client may use to build response topics (if requested in CONNECT). */
    responseInformation?: string;
    /** Another server the client should use, given with UseAnotherServer or ServerMoved. */
    serverReference?: string;
}

/** Notice, from either side, that the connection is being closed. */
export interface DisconnectPacket extends IPacket {
    /** Why the connection is being closed. */
    reasonCode: DisconnectReasonCode;
    /** Updated session expiry, in seconds (client-sent only). */
    sessionExpiryIntervalSeconds?: number;
    /** Human-readable diagnostic text. */
    reasonString?: string;
    /** Application-defined properties sent with the DISCONNECT. */
    userProperties?: UserProperty[];
    /** Another server the client should use (server-sent only). */
    serverReference?: string;
}

/** One topic filter to subscribe to, with its options. */
export interface Subscription {
    /** Topic filter, possibly containing `+` / `#` wildcards or a `$share/` prefix. */
    topicFilter: string;
    /** Highest QoS at which matching messages should be delivered: 0 or 1 (QoS 2 is refused). */
    qos: SupportedQoS;
    /** When true, messages published by this same client are not delivered back to it. */
    noLocal?: boolean;
    /** When true, delivered messages keep the retain flag they were published with. */
    retainAsPublished?: boolean;
    /** Whether retained messages are sent when the subscription is made. */
    retainHandlingType?: RetainHandlingType;
}

/** Request to add one or more subscriptions. */
export interface SubscribePacket extends IPacket {
    /** The subscriptions to create or update. */
    subscriptions: Subscription[];
    /** Number echoed back on messages matching these subscriptions. */
    subscriptionIdentifier?: number;
    /** Application-defined properties sent with the SUBSCRIBE. */
    userProperties?: UserProperty[];
}

/** The server's answer to SUBSCRIBE. */
export interface SubackPacket extends IPacket {
    /** One outcome per requested subscription, in request order. */
    reasonCodes: SubackReasonCode[];
    /** Human-readable diagnostic text from the server. */
    reasonString?: string;
    /** Application-defined properties sent by the server. */
    userProperties?: UserProperty[];
}

/** Request to remove one or more subscriptions. */
export interface UnsubscribePacket extends IPacket {
    /** Topic filters of the subscriptions to remove. */
    topicFilters: string[];
    /** Application-defined properties sent with the UNSUBSCRIBE. */
    userProperties?: UserProperty[];
}

/** The server's answer to UNSUBSCRIBE. */
export interface UnsubackPacket extends IPacket {
    /** One outcome per topic filter, in request order. */
    reasonCodes: UnsubackReasonCode[];
    /** Human-readable diagnostic text from the server. */
    reasonString?: string;
    /** Application-defined properties sent by the server. */
    userProperties?: UserProperty[];
}
