// Every name the C++ SDK's MQTT5 user guide uses: README's "C++ SDK → TypeScript names" table
// lists it (left column) and the TypeScript name it maps to exists in the package.
import fs from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import * as pkg from '../../dist/index.js';

// [as the table's C++ column spells it, the package's name for it (a path from the exports)]
const NAMES: Array<[string, string]> = [
    ['Mqtt5ClientBuilder::NewMqtt5ClientBuilderWithMtlsFromPath', 'Mqtt5ClientBuilder.newMqtt5ClientBuilderWithMtlsFromPath'],
    ['…WithWebsocket', 'Mqtt5ClientBuilder.newMqtt5ClientBuilderWithWebsocket'],
    ['…WithCustomCustomAuthorizer', 'Mqtt5ClientBuilder.newMqtt5ClientBuilderWithCustomCustomAuthorizer'],
    ['WebsocketConfig(region, provider)', 'WebsocketConfig'],
    ['Mqtt5CustomAuthConfig', 'Mqtt5CustomAuthConfig.prototype.withAuthrizaerName'],
    ['WithAuthrizaerName', 'Mqtt5CustomAuthConfig.prototype.withAuthorizerName'],
    ['WithUsername', 'Mqtt5CustomAuthConfig.prototype.withUsername'],
    ['WithPassword(ByteCursor)', 'Mqtt5CustomAuthConfig.prototype.withPassword'],
    ['WithTokenSignature', 'Mqtt5CustomAuthConfig.prototype.withTokenSignature'],
    ['builder->Build()', 'Mqtt5ClientBuilder.prototype.build'],
    ['std::shared_ptr<Mqtt5Client>', 'Mqtt5.Mqtt5Client'],
    ['HttpClientConnectionProxyOptions` `HostName`, `Port`', 'HttpClientConnectionProxyOptions'],
    ['withHttpProxyOptions(proxyOptions)', 'Mqtt5ClientBuilder.prototype.withHttpProxyOptions'],
    ['Auth::CredentialsProviderChainDefaultConfig', 'CredentialsProviderChainDefaultConfig'],
    [
        'CreateCredentialsProviderChainDefault(config)` (`ICredentialsProvider`)',
        'CredentialsProvider.createCredentialsProviderChainDefault',
    ],
    ['withClientConnectionSuccessCallback((Mqtt5Client &', 'Mqtt5ClientBuilder.prototype.withClientConnectionSuccessCallback'],
    ['withClientConnectionFailureCallback', 'Mqtt5ClientBuilder.prototype.withClientConnectionFailureCallback'],
    ['withClientDisconnectionCallback', 'Mqtt5ClientBuilder.prototype.withClientDisconnectionCallback'],
    ['withClientStoppedCallback', 'Mqtt5ClientBuilder.prototype.withClientStoppedCallback'],
    ['withClientAttemptingConnectCallback', 'Mqtt5ClientBuilder.prototype.withClientAttemptingConnectCallback'],
    ['OnConnectionSuccessEventData{connAckPacket, negotiatedSettings}', 'Mqtt5.OnConnectionSuccessEventData'],
    ['OnConnectionFailureEventData{errorCode, connAckPacket}', 'Mqtt5.OnConnectionFailureEventData'],
    ['OnDisconnectionEventData{errorCode, disconnectPacket}', 'Mqtt5.OnDisconnectionEventData'],
    ['OnStoppedEventData', 'Mqtt5.OnStoppedEventData'],
    ['OnAttemptingConnectEventData', 'Mqtt5.OnAttemptingConnectEventData'],
    ['NegotiatedSettings` `getClientId', 'Mqtt5.NegotiatedSettings.prototype.getClientId'],
    ['Start()`, `Stop(disconnect)', 'Mqtt5Client.prototype.start'],
    ['Publish(packet, OnPublishCompletionHandler)', 'Mqtt5Client.prototype.publish'],
    ['PublishResult` `wasSuccessful()`, `getErrorCode()`, `getAck()', 'PublishResult.prototype.wasSuccessful'],
    ['Subscribe(packet, (client, int, shared_ptr<SubAckPacket>))', 'Mqtt5Client.prototype.subscribe'],
    ['Unsubscribe(packet, (client, int, shared_ptr<UnSubAckPacket>))', 'Mqtt5Client.prototype.unsubscribe'],
    ['getReasonCodes()', 'SubAckPacket.prototype.getReasonCodes'],
    ['OnPublishCompletionHandler', 'Mqtt5.PublishResult'],
    ['PublishPacket(topic, payload, qos)', 'Mqtt5.PublishPacket'],
    [
        'Subscription(filter, qos)` / `Subscription()` + `withTopicFilter`, `withNoLocal',
        'Mqtt5.Subscription.prototype.withNoLocal',
    ],
    [
        'SubscribePacket` `withSubscriptions(Vector<Subscription>)`, `withSubscription',
        'Mqtt5.SubscribePacket.prototype.withSubscriptions',
    ],
    ['UnsubscribePacket` `withTopicFilters(Vector<String>)', 'Mqtt5.UnsubscribePacket.prototype.withTopicFilters'],
    ['Crt::String`, `Vector<T>`, `ByteCursor`, `ByteCursorFromString(s)`, `std::promise<T>', 'byteCursorFromString'],
    ['aws_error_debug_str(code)', 'errorDebugString'],
    ['QOS::AWS_MQTT5_QOS_AT_MOST_ONCE/AT_LEAST_ONCE/EXACTLY_ONCE', 'QOS.AWS_MQTT5_QOS_AT_LEAST_ONCE'],
];

it('README names every C++ name of the guide, and each maps to an existing name', () => {
    const readme = fs.readFileSync(path.resolve(__dirname, '../../README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## C++ SDK → TypeScript names'), readme.indexOf('## Best practices'));
    const cppColumn = section
        .split('\n')
        .filter((l) => l.startsWith('| '))
        .map((l) => l.split(' | ')[0])
        .join('\n');
    const missingInReadme = NAMES.filter(([cpp]) => !cppColumn.includes(cpp)).map(([cpp]) => cpp);
    expect(missingInReadme).toEqual([]);
    const missingInPackage = NAMES.filter(([, ts]) => {
        let v: unknown = pkg;
        for (const part of ts.split('.')) v = v == null ? undefined : (v as Record<string, unknown>)[part];
        return v === undefined;
    }).map(([, ts]) => ts);
    expect(missingInPackage).toEqual([]);
});
