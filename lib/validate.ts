// Semantic checks that go beyond a field's type and range (those are checked, with the same
// field-path wording, by the table walker in binding/convert.cc before anything is sent).
// Each throws synchronously a TypeError or RangeError naming the field and the rule.

const MAX_UTF8_STRING = 65535;
const MAX_SUBSCRIPTION_IDENTIFIER = 268435455;

function utf8String(value: unknown, field: string): void {
    if (typeof value !== 'string') return; // wrong types are reported by the native walker
    if (!value.isWellFormed()) throw new RangeError(`${field} must be well-formed UTF-16 (it has a lone surrogate)`);
    if (value.includes('\u0000')) throw new RangeError(`${field} must not contain the null character U+0000`);
    if (value.length * 3 > MAX_UTF8_STRING && Buffer.byteLength(value, 'utf8') > MAX_UTF8_STRING) {
        throw new RangeError(`${field} must be at most ${MAX_UTF8_STRING} bytes of UTF-8`);
    }
}

/** A topic name a message is published to: no wildcards, not empty. */
export function checkTopicName(topic: unknown, field: string): void {
    if (typeof topic !== 'string') return;
    if (topic.length === 0) throw new RangeError(`${field} must not be empty`);
    if (topic.includes('+') || topic.includes('#')) {
        throw new RangeError(`${field} must not contain the wildcards '+' or '#' (got '${topic}')`);
    }
    utf8String(topic, field);
}

/** A topic filter: '#' only as the whole last level, '+' only as a whole level; $share/<group>/<filter>. */
export function checkTopicFilter(filter: unknown, field: string): void {
    if (typeof filter !== 'string') return;
    if (filter.length === 0) throw new RangeError(`${field} must not be empty`);
    utf8String(filter, field);
    let levels = filter.split('/');
    if (levels[0] === '$share') {
        if (levels.length < 3 || levels[1].length === 0 || /[+#]/.test(levels[1])) {
            throw new RangeError(`${field} must have the form $share/<group>/<filter> with a group name without wildcards (got '${filter}')`);
        }
        levels = levels.slice(2);
    }
    levels.forEach((level, i) => {
        if (level.includes('#') && (level !== '#' || i !== levels.length - 1)) {
            throw new RangeError(`${field}: '#' must be a whole level and the last one (got '${filter}')`);
        }
        if (level.includes('+') && level !== '+') {
            throw new RangeError(`${field}: '+' must be a whole level (got '${filter}')`);
        }
    });
}

function userProperties(props: unknown, field: string): void {
    if (!Array.isArray(props)) return;
    for (let i = 0; i < props.length; i++) {
        const p = props[i];
        if (p && typeof p === 'object') {
            utf8String(p.name, `${field}[${i}].name`);
            utf8String(p.value, `${field}[${i}].value`);
        }
    }
}

function positive(value: unknown, field: string, max: number): void {
    if (typeof value === 'number' && Number.isInteger(value) && (value < 1 || value > max)) {
        throw new RangeError(`${field} must be an integer from 1 to ${max} (got ${value})`);
    }
}

export function checkPublish(p: any, field: string): void {
    checkTopicName(p.topicName, `${field}.topicName`);
    if (p.qos === 2) throw new RangeError(`${field}.qos must be 0 (AtMostOnce) or 1 (AtLeastOnce): QoS 2 is not supported`);
    if (p.topicAlias !== undefined) positive(p.topicAlias, `${field}.topicAlias`, 65535);
    if (p.responseTopic !== undefined) checkTopicName(p.responseTopic, `${field}.responseTopic`);
    if (p.contentType !== undefined) utf8String(p.contentType, `${field}.contentType`);
    if (p.subscriptionIdentifiers !== undefined) {
        throw new TypeError(`${field}.subscriptionIdentifiers must not be set: the server adds them to messages it delivers`);
    }
    userProperties(p.userProperties, `${field}.userProperties`);
}

export function checkSubscribe(p: any): void {
    if (Array.isArray(p.subscriptions)) {
        if (p.subscriptions.length === 0) throw new RangeError('subscribe.subscriptions must not be empty');
        p.subscriptions.forEach((s: any, i: number) => {
            if (s && typeof s === 'object') checkTopicFilter(s.topicFilter, `subscribe.subscriptions[${i}].topicFilter`);
        });
    }
    if (p.subscriptionIdentifier !== undefined) {
        positive(p.subscriptionIdentifier, 'subscribe.subscriptionIdentifier', MAX_SUBSCRIPTION_IDENTIFIER);
    }
    userProperties(p.userProperties, 'subscribe.userProperties');
}

export function checkUnsubscribe(p: any): void {
    if (Array.isArray(p.topicFilters)) {
        if (p.topicFilters.length === 0) throw new RangeError('unsubscribe.topicFilters must not be empty');
        p.topicFilters.forEach((f: unknown, i: number) => checkTopicFilter(f, `unsubscribe.topicFilters[${i}]`));
    }
    userProperties(p.userProperties, 'unsubscribe.userProperties');
}

export function checkDisconnect(p: any): void {
    if (p.reasonString !== undefined) utf8String(p.reasonString, 'disconnect.reasonString');
    if (p.serverReference !== undefined) utf8String(p.serverReference, 'disconnect.serverReference');
    userProperties(p.userProperties, 'disconnect.userProperties');
}

export function checkConnect(c: any, field: string): void {
    if (c.clientId !== undefined) utf8String(c.clientId, `${field}.clientId`);
    if (c.username !== undefined) utf8String(c.username, `${field}.username`);
    if (c.receiveMaximum !== undefined) positive(c.receiveMaximum, `${field}.receiveMaximum`, 65535);
    if (c.maximumPacketSizeBytes !== undefined) positive(c.maximumPacketSizeBytes, `${field}.maximumPacketSizeBytes`, 268435460);
    userProperties(c.userProperties, `${field}.userProperties`);
}

export function checkReconnect(cfg: any): void {
    const min = cfg.minReconnectDelayMs;
    const max = cfg.maxReconnectDelayMs;
    if (typeof min === 'number' && typeof max === 'number' && min > max) {
        throw new RangeError(`config.minReconnectDelayMs (${min}) must not exceed config.maxReconnectDelayMs (${max})`);
    }
}
