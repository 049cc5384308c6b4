// topicMatches(): the MQTT 5 matching rules (4.7) the message streams use when the broker grants
// no subscription identifiers.
import { expect, it } from 'vitest';
import { topicMatches } from '../../dist/index.js';

it.each([
    ['a/b', 'a/b', true],
    ['a/b', 'a/c', false],
    ['a/b', 'a/b/c', false],
    ['a/+', 'a/b', true],
    ['a/+', 'a/', true], // an empty level is a level
    ['a/+', 'a', false],
    ['a/+', 'a/b/c', false],
    ['+/+', '/x', true],
    ['+', '/x', false],
    ['a/#', 'a', true], // '#' includes the parent level
    ['a/#', 'a/b/c', true],
    ['a/#', 'ab', false],
    ['#', 'a/b', true],
    ['#', '$SYS/broker', false], // a leading wildcard does not match topics starting with '$'
    ['+/broker', '$SYS/broker', false],
    ['$SYS/#', '$SYS/broker', true],
    ['sensors/+/temp', 'sensors/kitchen/temp', true],
    ['sensors/+/temp', 'sensors/kitchen/humidity', false],
    ['$share/group/sensors/+/temp', 'sensors/hall/temp', true],
    ['$share/group/#', 'x/y', true],
    ['$share/group/a', '$share/group/a', false],
    ['A/b', 'a/b', false], // case-sensitive
])('%s matches %s: %s', (filter, topic, expected) => {
    expect(topicMatches(filter, topic)).toBe(expected);
});
